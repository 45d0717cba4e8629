/**
 * Checkers of the fault-injection harness: each turns a history (and, for the queue, the cluster's final state) into
 * a {@link io.corral.jepsen.checker.CheckResult} for {@code results.json}. A verdict is VALID, INVALID or UNKNOWN;
 * UNKNOWN (a search that ran out of time) is never reported as VALID.
 *
 * <h2>Checkers</h2>
 *
 * <ul>
 *   <li>{@link io.corral.jepsen.checker.LinearizabilityChecker} with {@link io.corral.jepsen.checker.MutexModel}:
 *       the lock history is linearizable against a mutex with TTLs and fencing tokens, one lock at a time (WGL search
 *       with Lowe's cache, bounded in time).
 *   <li>{@link io.corral.jepsen.checker.MutualExclusionChecker}: answered grants of one lock never overlap; a
 *       polynomial necessary condition that still decides when the search above runs out of time.
 *   <li>{@link io.corral.jepsen.checker.FencingChecker}: grant tokens are unique and rise in real-time order.
 *   <li>{@link io.corral.jepsen.checker.FencedRegisterChecker}: no update to the harness's {@link
 *       io.corral.jepsen.checker.FencedRegister} is lost.
 *   <li>{@link io.corral.jepsen.checker.QueueChecker}: the total-queue check of submissions against the final jobs.
 *   <li>{@link io.corral.jepsen.checker.LeaseFencingChecker}: committed results carry the token of their task's last
 *       grant.
 * </ul>
 *
 * <h2>Operation conventions</h2>
 *
 * <p>Entries are {@link io.corral.jepsen.history.Op}s. Client processes are numbered from 0; negative processes are
 * the nemesis and every checker ignores them. A process has at most one operation open; after an INFO it never
 * invokes again. An operation still open at the end is INFO. OK: it took effect, with the value as its result. FAIL:
 * it certainly did not take effect; when the cluster refused it, {@code error} starts with the {@code ErrorCode}
 * name, as in {@code "LOCK_HELD: lock 'a' is held by ..."}. INFO: unknown, it may take effect at any later time.
 *
 * <p>Lock workload, one partition per {@code lock}:
 *
 * <ul>
 *   <li>{@code acquire}: invoke {@code {lock, owner, ttlMs}}; OK {@code {lock, owner, ttlMs, token}}; FAIL {@code
 *       {lock, owner}} with error {@code LOCK_HELD: ...}, which observes that the lock was held (a FAIL with another
 *       code observed nothing); INFO.
 *   <li>{@code release}: invoke {@code {lock, owner, token}}; OK; FAIL with {@code STALE_TOKEN: ...} (the token was
 *       not current: not released by this call); INFO.
 *   <li>{@code renew} (optional): invoke {@code {lock, owner, token}}; OK; FAIL with {@code STALE_TOKEN: ...}; INFO.
 *   <li>{@code read} of the fenced register: invoke {@code {lock, token}}; OK {@code {lock, token, value}}; FAIL when
 *       refused for a stale token.
 *   <li>{@code write} of the fenced register: invoke and completion {@code {lock, token, read, value}} with {@code
 *       value = read + 1}, {@code read} being what the client read with the same token just before; OK when
 *       accepted, FAIL when refused. The register's own log orders the accepted writes.
 * </ul>
 *
 * <p>Tokens are Raft indexes of the grants: unique across locks and rising in log order. A hold's TTL runs from the
 * leader's stamp on the grant, which is after the acquire's invocation; leader time is the wall clock in whole
 * milliseconds on the same kernel as the test's clock (hence {@link io.corral.jepsen.checker.MutexModel}'s 2 ms of
 * slack).
 *
 * <p>Queue workload: {@code submit} invoke {@code {key}} (the idempotency key); OK {@code {key, job, image}} (the job
 * id and the image's SHA-256; {@code image} may be in the invocation instead, or {@code images}, a list, for several);
 * FAIL (a non-retryable refusal, or an upload that failed: certainly not created); INFO. A key may be submitted again after an INFO. After heal and drain the harness reads every job of the
 * run into {@link io.corral.jepsen.checker.FinalJob}s, each task with its attempt history ({@link
 * io.corral.jepsen.checker.FinalTask}, {@link io.corral.jepsen.checker.FinalAttempt}).
 */
package io.corral.jepsen.checker;
