/**
 * What {@code lifeline monitor} makes of a {@link dev.lifeline.monitor.Report}: a table for a person at a terminal,
 * JSON for scripts, Nagios plugin output for Nagios and Icinga, a JSON-lines history file, and Prometheus metrics
 * (a node_exporter textfile or a {@code /metrics} endpoint for {@code --watch}). Nothing here runs a check or decides
 * an alert; every output reads the same report, so they never disagree.
 */
package dev.lifeline.monitor.output;
