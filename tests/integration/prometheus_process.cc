#include "tests/integration/prometheus_process.h"

#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>

#include "daemon/util/percent_encoding.h"
#include "tests/support/http_fetch.h"

namespace swas::testing {

PrometheusProcess::PrometheusProcess(const std::string& dir, const std::string& target,
                                     const std::string& target_account) {
  std::string deploy = std::string(SWAS_SOURCE_DIR) + "/deploy/prometheus";
  YAML::Node config = YAML::LoadFile(deploy + "/prometheus.yml");
  config["global"]["scrape_interval"] = "1s";
  config["global"]["evaluation_interval"] = "1s";
  config["rule_files"][0] = deploy + "/alerts.yml";
  YAML::Node job = config["scrape_configs"][0];
  job["scrape_interval"] = "1s";
  job["scrape_timeout"] = "1s";
  YAML::Node targets;
  targets["targets"].push_back(target);
  targets["labels"]["account"] = target_account;
  job["static_configs"] = YAML::Node(YAML::NodeType::Sequence);
  job["static_configs"].push_back(targets);
  std::ofstream(dir + "/prometheus.yml") << config;
  server_ = std::make_unique<GoServer>(
      std::vector<std::string>{"prometheus", "--config.file=" + dir + "/prometheus.yml",
                               "--storage.tsdb.path=" + dir + "/tsdb",
                               "--web.listen-address=127.0.0.1:0", "--log.level=info"},
      dir, "prometheus");
}

std::vector<PrometheusProcess::Sample> PrometheusProcess::samples(const std::string& promql) const {
  auto result = fetch("GET", url() + "/api/v1/query?query=" + util::percentEncode(promql));
  std::vector<Sample> out;
  if (!result || result->status != 200) return out;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array results;
  if (parser.parse(result->body).get(doc) || doc["data"]["result"].get(results)) return out;
  for (simdjson::dom::element r : results) {
    Sample sample;
    simdjson::dom::object metric;
    if (!r["metric"].get(metric)) {
      for (auto [name, value] : metric) {
        std::string_view text;
        if (!value.get(text)) sample.labels[std::string(name)] = std::string(text);
      }
    }
    std::string_view value;
    if (r["value"].at(1).get(value)) continue;
    sample.value = std::stod(std::string(value));
    out.push_back(std::move(sample));
  }
  return out;
}

double PrometheusProcess::query(const std::string& promql) const {
  auto all = samples(promql);
  return all.size() == 1 ? all.front().value : NAN;
}

std::string PrometheusProcess::get(const std::string& path) const {
  return fetchOk("GET", url() + path);
}

}  // namespace swas::testing
