package io.corral.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.coordinator.state.kv.FakeKv;
import io.corral.protocol.ErrorCode;
import io.corral.protocol.JobState;
import io.corral.protocol.Request;
import io.corral.protocol.Response;
import io.corral.protocol.TaskState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateCoreTest {
    @Test
    void requestsThatAreNotReadsAreRefused() {
        CoreHarness h = new CoreHarness();
        for (Request request :
                List.of(new Request.Hello(1, "x"), new Request.TakeSnapshot(), new Request.CancelJob("job-1"))) {
            Response reply = h.query(request);
            assertThat(((Response.ErrorReply) reply).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        }
        assertThat(((Response.ErrorReply) h.core.query(null, h.kv)).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(((Response.ErrorReply) h.query(new Request.HasBlob("nope"))).code())
                .isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(((Response.ErrorReply) h.query(new Request.GetLock("", false))).code())
                .isEqualTo(ErrorCode.BAD_REQUEST);
    }

    @Test
    void validateThrowsTheSameErrorApplyReplies() {
        Command bad = new Command.AcquireLock("L", "me", 1, 0);
        assertThatThrownBy(() -> StateCore.validate(bad, CoreLimits.defaults()))
                .isInstanceOfSatisfying(
                        InvalidCommandException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
                .hasMessageContaining("ttlMs");
        CoreHarness h = new CoreHarness();
        assertThat(h.refused(bad, ErrorCode.BAD_REQUEST)).contains("ttlMs");
        assertThatThrownBy(() -> StateCore.validate(null, CoreLimits.defaults()))
                .isInstanceOf(InvalidCommandException.class);
    }

    @Test
    void entriesMustHaveAPositiveIndexAndTime() {
        StateCore core = new StateCore(CoreLimits.defaults());
        FakeKv kv = new FakeKv();
        Entry entry = new Entry(1, new Command.CancelJob("job-1"));
        assertThatThrownBy(() -> core.apply(0, entry, kv.begin())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> core.apply(1, new Entry(-1, entry.command()), kv.begin()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countersStartAtZeroForEveryState() {
        CoreHarness h = new CoreHarness();
        Counters counters = h.core.counters(h.kv);
        assertThat(counters.tasks()).hasSize(TaskState.values().length).allSatisfy((k, v) -> assertThat(v)
                .isZero());
        assertThat(counters.jobs()).hasSize(JobState.values().length);
        assertThat(counters.locksHeld() + counters.lockWaiters() + counters.blobsStored() + counters.blobBytesStored())
                .isZero();
    }

    @Test
    void limitsAreBounded() {
        assertThatThrownBy(() -> new CoreLimits(0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CoreLimits(CoreLimits.MAX_IMAGE_BYTES_BOUND + 1, 1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CoreLimits(1, 10_001, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(CoreLimits.defaults().maxImageBytes()).isEqualTo(50L * 1024 * 1024);
    }

    /** Two replicas applying the same log end byte-for-byte equal: nothing depends on anything but the log. */
    @Test
    void replicasApplyingTheSameLogAgree() {
        CoreHarness a = new CoreHarness();
        CoreHarness b = new CoreHarness();
        for (CoreHarness h : List.of(a, b)) {
            var image = h.image("a.png", CoreHarness.png(300, 1));
            h.reply(new Command.SubmitJob(
                    List.of(image, image), List.of("grayscale"), 1, 2, Map.of("z", "1", "a", "2"), "k"));
            h.reply(new Command.AcquireLock("L", "o", 1_000, 0));
            h.reply(new Command.AcquireLock("L", "p", 1_000, 1_000));
            h.advance(2_000);
            h.core.dueLockCommands(h.nowMs(), h.kv, 10).forEach(h::apply);
        }
        assertThat(a.kv.dump()).isEqualTo(b.kv.dump());
    }
}
