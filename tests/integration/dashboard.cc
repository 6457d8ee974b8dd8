#include "tests/integration/dashboard.h"

#include <simdjson.h>

#include <algorithm>
#include <set>

#include "daemon/util/percent_encoding.h"

namespace swas::testing {
namespace {

std::string text(simdjson::dom::element e, const char* key) {
  std::string_view v;
  if (e[key].get(v)) return "";
  return std::string(v);
}

std::string substitute(std::string expr, const std::map<std::string, std::string>& values) {
  std::vector<std::pair<std::string, std::string>> ordered(values.begin(), values.end());
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [name, value] : ordered) {
    std::string token = "$" + name;
    for (size_t at = expr.find(token); at != std::string::npos;
         at = expr.find(token, at + value.size())) {
      expr.replace(at, token.size(), value);
    }
  }
  return expr;
}

void checkPanel(simdjson::dom::element panel, const std::map<std::string, std::string>& values,
                Dashboard& d) {
  std::string title = text(panel, "title");
  std::string where = "panel '" + title + "'";
  if (title.empty()) d.problems.push_back("a panel without a title");
  if (text(panel, "description").empty()) d.problems.push_back(where + " has no description");
  simdjson::dom::element ds;
  if (panel["datasource"].get(ds) || text(ds, "uid") != "${datasource}" ||
      text(ds, "type") != "prometheus") {
    d.problems.push_back(where + " does not use the ${datasource} variable");
  }
  std::string_view unit;
  if (panel["fieldConfig"]["defaults"]["unit"].get(unit) || unit.empty()) {
    d.problems.push_back(where + " has no unit");
  }
  simdjson::dom::element grid;
  if (panel["gridPos"].get(grid)) d.problems.push_back(where + " has no gridPos");
  simdjson::dom::array targets;
  if (panel["targets"].get(targets) || targets.size() == 0) {
    d.problems.push_back(where + " has no targets");
    return;
  }
  for (simdjson::dom::element t : targets) {
    std::string expr = text(t, "expr");
    if (expr.empty() || text(t, "refId").empty()) {
      d.problems.push_back(where + " has a target without expr or refId");
      continue;
    }
    std::string substituted = substitute(expr, values);
    if (substituted.find('$') != std::string::npos) {
      d.problems.push_back(where + " uses an unknown variable: " + substituted);
    }
    d.queries.push_back({title, substituted});
  }
}

}  // namespace

Dashboard readDashboard(const std::string& path,
                        const std::map<std::string, std::string>& substitutions) {
  Dashboard d;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.load(path).get(root)) {
    d.problems.push_back(path + " is not JSON");
    return d;
  }
  if (text(root, "uid").empty()) d.problems.push_back("no uid");
  if (text(root, "title").empty()) d.problems.push_back("no title");
  int64_t schema = 0;
  if (root["schemaVersion"].get(schema) || schema < 30) d.problems.push_back("no schemaVersion");
  std::set<std::string> variables;
  simdjson::dom::array list;
  if (root["templating"]["list"].get(list)) d.problems.push_back("no templating");
  for (simdjson::dom::element v : list) {
    variables.insert(text(v, "name"));
    if (text(v, "type") != "query") continue;
    // Grafana runs query.query; definition is what its editor shows.
    simdjson::dom::element query;
    if (v["query"].get(query) || text(query, "query") != text(v, "definition")) {
      d.problems.push_back("variable " + text(v, "name") + ": query.query is not its definition");
    }
    d.variable_queries.push_back(text(v, "definition"));
  }
  for (std::string name : {"datasource", "account", "product", "region"}) {
    if (!variables.contains(name)) d.problems.push_back("no template variable " + name);
  }
  simdjson::dom::array panels;
  if (root["panels"].get(panels) || panels.size() == 0) d.problems.push_back("no panels");
  std::set<int64_t> ids;
  for (simdjson::dom::element panel : panels) {
    int64_t id = 0;
    if (panel["id"].get(id) || !ids.insert(id).second) {
      d.problems.push_back("panel '" + text(panel, "title") + "' has no id or a repeated one");
    }
    if (text(panel, "type") == "row") continue;
    checkPanel(panel, substitutions, d);
  }
  return d;
}

std::vector<double> queryValues(const std::function<std::string(const std::string&)>& get,
                                const std::string& expr) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array result;
  std::vector<double> out;
  if (parser.parse(get("/api/v1/query?query=" + util::percentEncode(expr))).get(doc) ||
      doc["data"]["result"].get(result)) {
    return out;
  }
  for (simdjson::dom::element sample : result) {
    std::string_view value;
    if (!sample["value"].at(1).get(value)) out.push_back(std::stod(std::string(value)));
  }
  return out;
}

std::vector<std::string> runDashboardQueries(
    const Dashboard& dashboard, const std::function<std::string(const std::string&)>& get,
    const std::vector<std::string>& may_be_empty) {
  std::vector<std::string> problems;
  simdjson::dom::parser parser;
  for (const auto& q : dashboard.queries) {
    std::string body = get("/api/v1/query?query=" + util::percentEncode(q.expr));
    simdjson::dom::element doc;
    simdjson::dom::array result;
    if (parser.parse(body).get(doc) || text(doc, "status") != "success" ||
        doc["data"]["result"].get(result)) {
      problems.push_back("'" + q.panel + "': Prometheus refuses " + q.expr + ": " + body);
      continue;
    }
    bool optional =
        std::find(may_be_empty.begin(), may_be_empty.end(), q.panel) != may_be_empty.end();
    if (result.size() == 0 && !optional) {
      problems.push_back("'" + q.panel + "' has no data: " + q.expr);
    }
  }
  return problems;
}

}  // namespace swas::testing
