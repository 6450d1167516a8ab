/**
 * JMH micro-benchmarks of the gateway's hot path, run with {@code bench/jmh} (see {@code bench/jmh --help}).
 *
 * <ul>
 *   <li>{@link dev.lifeline.bench.RequestBench}: a client request parsed and rewritten for its target;</li>
 *   <li>{@link dev.lifeline.bench.SseBench}: Server-Sent Events framing;</li>
 *   <li>{@link dev.lifeline.bench.ChunkBench}: decoding one stream chunk of each kind;</li>
 *   <li>{@link dev.lifeline.bench.StreamPathBench}: bytes to {@code Frame}s, as the backend does for each read;</li>
 *   <li>{@link dev.lifeline.bench.TranslationBench}: requests, streams and answers translated across dialects.</li>
 * </ul>
 *
 * <p>Inputs are in {@link dev.lifeline.bench.BenchInputs}. The benchmarks use public API only, so that they measure
 * the code as the gateway calls it, whatever its internals.
 *
 * <p>Each fork gets a fixed, pre-touched 1 GiB heap ({@code -Xms1g -Xmx1g -XX:+AlwaysPreTouch}). With the default
 * heap, on a 2-vCPU VM, whole iterations of {@code SseBench.encode} ran 20 times slower than the others (2.4 µs
 * instead of 0.1 µs), always iterations without a GC: most likely the page faults of allocating into heap memory
 * touched for the first time, as the young generation grows.
 *
 * <p>Surefire does not run these: their generated harness classes end in {@code _jmhTest} and are excluded in
 * pom.xml.
 */
package dev.lifeline.bench;
