#pragma once

// The shipped Grafana dashboard (deploy/grafana) as the e2e test checks it: the schema basics,
// and every panel's PromQL run, with the variables substituted, against a real Prometheus.

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace swas::testing {

struct PanelQuery {
  std::string panel;  // the panel's title
  std::string expr;   // with the variables substituted
};

struct Dashboard {
  std::vector<PanelQuery> queries;
  std::vector<std::string> variable_queries;  // of the query variables, by name order
  std::vector<std::string> problems;          // schema basics not met
};

// Reads `path`; every "$name" of `substitutions` is replaced in the panels' expressions
// (longest names first), and an expression left with a '$' is a problem.
Dashboard readDashboard(const std::string& path,
                        const std::map<std::string, std::string>& substitutions);

// The values of an instant query's samples (empty when it fails or has none).
std::vector<double> queryValues(const std::function<std::string(const std::string&)>& get,
                                const std::string& expr);

// Runs each query through `get` (a GET of a Prometheus API path, returning the body, "" on
// failure); the problems: a query Prometheus refuses, and one that returns no data unless its
// panel is in `may_be_empty`.
std::vector<std::string> runDashboardQueries(
    const Dashboard& dashboard, const std::function<std::string(const std::string&)>& get,
    const std::vector<std::string>& may_be_empty);

}  // namespace swas::testing
