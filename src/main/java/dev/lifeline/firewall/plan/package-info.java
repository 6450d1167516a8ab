/**
 * Firewall plans: the exact, idempotent commands that let only loopback and chosen sources reach one TCP port, and
 * the commands that undo them, for ufw, firewalld, nftables, iptables, Windows and pf.
 *
 * <p>Everything here is pure: a {@link dev.lifeline.firewall.plan.Policy} goes in, a
 * {@link dev.lifeline.firewall.plan.Plan} of steps comes out, and nothing is read from or done to the machine. That
 * lets the same plan be printed for review ({@code lifeline firewall plan}) and executed ({@code apply}), and lets
 * the tests compare it against golden files and run it inside network namespaces.
 *
 * <p>Each renderer follows the rules learnt the hard way: always allow loopback, always cover IPv4 and IPv6, allow
 * through the front-end that is in charge, mind whether the tool is first-match, last-match or unordered, and make
 * applying twice leave exactly one copy of each rule.
 */
package dev.lifeline.firewall.plan;
