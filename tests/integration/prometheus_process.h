#pragma once

// A real Prometheus (Debian's `prometheus`), started on 127.0.0.1:0 with the shipped scrape job
// of deploy/prometheus (pointed at one target, with the target label `account`) and its rules,
// scraping and evaluating every second.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/sim_process.h"

namespace swas::testing {

class PrometheusProcess {
 public:
  PrometheusProcess(const std::string& dir, const std::string& target,
                    const std::string& target_account = "test");
  // "" when it did not come up.
  const std::string& url() const { return server_->url(); }

  // The value of an instant query that returns one sample, or NaN.
  double query(const std::string& promql) const;
  // Every sample of an instant query: its labels, and its value.
  struct Sample {
    std::map<std::string, std::string> labels;
    double value = 0;
  };
  std::vector<Sample> samples(const std::string& promql) const;

  std::string get(const std::string& path) const;

 private:
  std::unique_ptr<GoServer> server_;
};

}  // namespace swas::testing
