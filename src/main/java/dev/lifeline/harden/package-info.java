/**
 * {@code lifeline harden}: the settings that keep a model server (and the gateway itself) reachable only by trusted
 * machines and boxed in on its own host. Pure text generation ({@link dev.lifeline.harden.OllamaRecipes},
 * {@link dev.lifeline.harden.ServeUnit}) from validated options ({@link dev.lifeline.harden.OllamaHardening}), plus a
 * small {@link dev.lifeline.harden.Applier} that carries out the Linux steps. The audit side of the same settings is
 * {@code lifeline doctor}'s {@code harden.*} findings: what is written here is what that audit looks for.
 */
package dev.lifeline.harden;
