package io.drover.http.management;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How GET /metrics?scope=cluster merges the nodes' Prometheus texts. */
class ClusterScrapeTest {
  static final String A = """
      # HELP drover_worker_restarts Restarts of a worker.
      # TYPE drover_worker_restarts gauge
      drover_worker_restarts{app="web",instance="0"} 0.0
      # HELP drover_http_request_duration_seconds Time to answer.
      # TYPE drover_http_request_duration_seconds histogram
      drover_http_request_duration_seconds_bucket{app="web",le="0.1"} 3
      drover_http_request_duration_seconds_count{app="web"} 3
      # HELP process_uptime_seconds Uptime.
      # TYPE process_uptime_seconds gauge
      process_uptime_seconds 12.5
      """;
  static final String B = """
      # HELP drover_worker_restarts Restarts of a worker.
      # TYPE drover_worker_restarts gauge
      drover_worker_restarts{app="web",instance="1"} 2.0
      # HELP process_uptime_seconds Uptime.
      # TYPE process_uptime_seconds gauge
      process_uptime_seconds 3.0
      """;

  @Test
  void eachFamilyOnceWithEveryNodesSamplesLabelledByNodeAndWhoAnswered() {
    String merged = ClusterScrape.merge(List.of(
        new ClusterScrape.NodeText("pekko://drover@127.0.0.1:1", A),
        new ClusterScrape.NodeText("pekko://drover@127.0.0.1:2", B),
        new ClusterScrape.NodeText("pekko://drover@127.0.0.1:3", null)));
    assertEquals("""
        # HELP drover_worker_restarts Restarts of a worker.
        # TYPE drover_worker_restarts gauge
        drover_worker_restarts{node="pekko://drover@127.0.0.1:1",app="web",instance="0"} 0.0
        drover_worker_restarts{node="pekko://drover@127.0.0.1:2",app="web",instance="1"} 2.0
        # HELP drover_http_request_duration_seconds Time to answer.
        # TYPE drover_http_request_duration_seconds histogram
        drover_http_request_duration_seconds_bucket{node="pekko://drover@127.0.0.1:1",app="web",le="0.1"} 3
        drover_http_request_duration_seconds_count{node="pekko://drover@127.0.0.1:1",app="web"} 3
        # HELP process_uptime_seconds Uptime.
        # TYPE process_uptime_seconds gauge
        process_uptime_seconds{node="pekko://drover@127.0.0.1:1"} 12.5
        process_uptime_seconds{node="pekko://drover@127.0.0.1:2"} 3.0
        # HELP drover_cluster_scrape_success Whether the node answered this cluster-wide scrape (1) or not (0).
        # TYPE drover_cluster_scrape_success gauge
        drover_cluster_scrape_success{node="pekko://drover@127.0.0.1:1"} 1
        drover_cluster_scrape_success{node="pekko://drover@127.0.0.1:2"} 1
        drover_cluster_scrape_success{node="pekko://drover@127.0.0.1:3"} 0
        """, merged);
  }

  @Test
  void aSampleJoinsItsOwnFamilyNotOneItsNameOnlyStartsWith() {
    String merged = ClusterScrape.merge(List.of(new ClusterScrape.NodeText("n", """
        # TYPE drover_requests counter
        drover_requests_total 3
        drover_requests_in_flight 2
        # TYPE drover_requests_in_flight gauge
        drover_requests_in_flight 1
        """)));
    assertEquals("""
        # TYPE drover_requests counter
        drover_requests_total{node="n"} 3
        # TYPE drover_requests_in_flight gauge
        drover_requests_in_flight{node="n"} 2
        drover_requests_in_flight{node="n"} 1
        """, merged.substring(0, merged.indexOf("# HELP drover_cluster_scrape_success")));
    assertEquals("text \u00e9\n", ClusterScrape.gunzip(ClusterScrape.gzip("text \u00e9\n")));
  }

  @Test
  void aLabelGoesFirstIntoEmptyOrFullBracesOrNewOnes() {
    assertEquals("m{node=\"n\"} 1", ClusterScrape.labelled("m{} 1", "n"));
    assertEquals("m{node=\"n\",a=\"x y\"} 1", ClusterScrape.labelled("m{a=\"x y\"} 1", "n"));
    assertEquals("m{node=\"n\"} 1 1700000000", ClusterScrape.labelled("m 1 1700000000", "n"));
    assertEquals("m{node=\"q\\\"\"} 1", ClusterScrape.labelled("m 1", "q\""));
  }
}
