package io.drover.supervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CpuMeterTest {
  static final long S = TimeUnit.SECONDS.toNanos(1);
  static final long T = ProcFs.CLOCK_TICKS;

  @Test
  void theFirstSampleIsTheAverageSinceTheProcessStarted() {
    CpuMeter m = new CpuMeter();
    // 5 s of CPU over 20 s of life: 25 %
    CpuMeter.Usage u = m.sample(10, 1000, 5 * T, 20 * T, 100 * S);
    assertEquals(25.0, u.percent(), 1e-9);
    assertEquals(5.0, u.seconds(), 1e-9);
  }

  @Test
  void laterSamplesAreTheRateSinceTheLastOneAtLeastASecondBack() {
    CpuMeter m = new CpuMeter();
    m.sample(10, 1000, 0, 10 * T, 0);
    assertEquals(150.0, m.sample(10, 1000, 3 * T, 12 * T, 2 * S).percent(), 1e-9, "1.5 cores over 2 s");
    // asked again 100 ms later: measured from the reading 2.1 s back, not over 100 ms
    assertEquals(100.0 * (3 * T + 1) / T / 2.1, m.sample(10, 1000, 3 * T + 1, 12 * T, 2 * S + S / 10).percent(), 1e-9);
    // idle for the next 2 s
    assertEquals(100.0 * 1 / T / 2, m.sample(10, 1000, 3 * T + 1, 14 * T, 4 * S).percent(), 1e-9);
  }

  @Test
  void cpuTimeNeverGoesDownForOneProcessButStartsOverForAReusedPid() {
    CpuMeter m = new CpuMeter();
    m.sample(10, 1000, 4 * T, 10 * T, 0);
    // a child's time left the sum (a zombie not yet reaped)
    CpuMeter.Usage dip = m.sample(10, 1000, 3 * T, 11 * T, S);
    assertEquals(4.0, dip.seconds(), 1e-9);
    assertEquals(0.0, dip.percent(), 1e-9);
    // the same pid, another process (a later start time)
    CpuMeter.Usage other = m.sample(10, 5000, T, 2 * T, 2 * S);
    assertEquals(1.0, other.seconds(), 1e-9);
    assertEquals(50.0, other.percent(), 1e-9);
  }

  @Test
  void treesNotSampledForAWhileAreForgotten() {
    CpuMeter m = new CpuMeter();
    m.sample(10, 1000, 0, T, 0);
    m.sample(11, 1000, 0, T, 0);
    assertEquals(2, m.tracked());
    m.sample(11, 1000, 0, T, CpuMeter.FORGET_NANOS / 2);
    m.sample(11, 1000, 0, T, CpuMeter.FORGET_NANOS + S);
    assertEquals(1, m.tracked(), "pid 10 was not sampled for over " + CpuMeter.FORGET_NANOS / S + " s");
  }
}
