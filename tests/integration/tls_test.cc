// The API and a receiver over HTTPS, as production talks to them: a test CA made with openssl,
// the simulator and a receiver behind a TLS front. The daemon polls when the CA is trusted
// (api.ca_file), and refuses an unknown CA, a certificate for another host and an expired one
// with a clear, counted error (swas_api_requests_total{code="tls"}, /readyz); verification is
// never off. The same for an https receiver (its ca_file).
#include <gtest/gtest.h>
#include <signal.h>

#include <cctype>
#include <filesystem>

#include "tests/support/http_fetch.h"
#include "tests/support/monitor_config.h"
#include "tests/support/recorder.h"
#include "tests/support/sim_process.h"
#include "tests/support/tls_proxy.h"

namespace swas {
namespace {

using testing::eventually;

constexpr const char* kScenario = R"(clock: manual
regions:
  - region_id: cn-hangzhou
    instances: [i-a]
    invocations:
      - invoke_id: t-1
        command_name: deploy-app
        created_at: 1s
        instances:
          - instance_id: i-a
            timeline: [{at: 1s, status: Failed, exit_code: 3, error_code: ExitCodeNonzero}]
)";

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    // Beside the test's own directory, which freshTestDir() empties.
    certs_ = std::filesystem::path(
                 testing::writeTempFile(std::string(testing::testName()) + "-certs/.keep", ""))
                 .parent_path()
                 .string();
    testing::makeTestCertificates(certs_);
  }
  uint16_t portOf(const std::string& url) {
    return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }
  std::unique_ptr<testing::TlsProxy> front(const std::string& cert, const std::string& backend) {
    return std::make_unique<testing::TlsProxy>(certs_ + "/" + cert + ".pem",
                                               certs_ + "/" + cert + ".key", portOf(backend));
  }
  std::string ca() const { return certs_ + "/ca.pem"; }
  std::string certs_;
};

double apiCalls(const std::string& metrics, const std::string& code) {
  return testing::sumOf(metrics, "swas_api_requests_total",
                        {"action=\"DescribeCommandInvocations\"", "code=\"" + code + "\""});
}

TEST_F(Tls, TheApiIsPolledOverHttpsOnlyWithAValidCertificateOfATrustedCa) {
  testing::SimProcess sim(
      testing::writeTempFile(std::string(testing::testName()) + "/sim.yaml", kScenario));
  struct Case {
    std::string cert;
    bool trust_ca;
    bool polls;
  };
  for (const Case& c :
       {Case{"good", true, true}, Case{"good", false, false}, Case{"self", true, false},
        Case{"wrong_host", true, false}, Case{"expired", true, false}}) {
    SCOPED_TRACE(c.cert + (c.trust_ca ? " with api.ca_file" : " with the system store"));
    std::string dir = testing::freshTestDir() + "/" + c.cert + (c.trust_ca ? "-ca" : "");
    std::filesystem::create_directories(dir);
    auto proxy = front(c.cert, sim.url());
    testing::MonitorConfig settings{.sim_url = proxy->url(), .state_path = dir + "/state.db"};
    settings.api["timeout"] = "5s";
    if (c.trust_ca) settings.api["ca_file"] = ca();
    testing::MonitorProcess daemon(SWAS_DAEMON_PATH, settings.write(dir + "/config.yaml"), dir);
    ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
    std::string m;
    ASSERT_TRUE(eventually(
        [&] {
          m = testing::fetchOk("GET", daemon.url() + "/metrics");
          return apiCalls(m, c.polls ? "OK" : "tls") > 0;
        },
        std::chrono::seconds(30)))
        << m << daemon.stderrText();
    EXPECT_EQ(apiCalls(m, c.polls ? "tls" : "OK"), 0);
    auto ready = testing::fetch("GET", daemon.url() + "/readyz");
    ASSERT_TRUE(ready);
    if (c.polls) {
      EXPECT_TRUE(eventually([&] {
        auto r = testing::fetch("GET", daemon.url() + "/readyz");
        return r && r->status == 200;
      }));
    } else {
      EXPECT_EQ(ready->status, 503);
      std::string why;
      EXPECT_TRUE(eventually([&] {
        auto r = testing::fetch("GET", daemon.url() + "/readyz");
        why = r ? r->body : "";
        for (char& ch : why) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return why.find("certificate") != std::string::npos ||
               why.find("ssl") != std::string::npos || why.find("tls") != std::string::npos;
      })) << why;
    }
    daemon.process().signal(SIGTERM);
    EXPECT_EQ(daemon.process().wait(), 0);
  }
}

TEST_F(Tls, AnHttpsReceiverGetsAlertsOnlyWhenItsCaIsTrusted) {
  testing::SimProcess sim(
      testing::writeTempFile(std::string(testing::testName()) + "/sim.yaml", kScenario));
  testing::Recorder receiver;
  auto proxy = front("good", receiver.url());
  std::string dir = testing::freshTestDir();
  testing::MonitorConfig settings{.sim_url = sim.url(), .state_path = dir + "/state.db"};
  settings.receivers.push_back(
      {"trusted", "webhook", proxy->url() + "/hook", "      ca_file: \"" + ca() + "\"\n"});
  settings.receivers.push_back({"untrusted", "webhook", proxy->url() + "/other", ""});
  testing::MonitorProcess daemon(SWAS_DAEMON_PATH, settings.write(dir + "/config.yaml"), dir);
  ASSERT_FALSE(daemon.url().empty()) << daemon.stderrText();
  testing::fetchOk("POST", sim.url() + "/_sim/advance?seconds=3");
  EXPECT_TRUE(eventually([&] {
    for (const auto& r : receiver.requests()) {
      if (r.request.target == "/hook" && r.answered == 200) return true;
    }
    return false;
  })) << daemon.stderrText();
  std::string m;
  EXPECT_TRUE(eventually([&] {
    m = testing::fetchOk("GET", daemon.url() + "/metrics");
    return testing::sumOf(m, "swas_alert_notifications_total",
                          {"receiver=\"untrusted\"", "outcome=\"delivered\""}) == 0 &&
           testing::sumOf(m, "swas_alert_notifications_total", {"receiver=\"untrusted\""}) > 0;
  })) << m;
  for (const auto& r : receiver.requests()) {
    EXPECT_NE(r.request.target, "/other") << "sent past a certificate nobody vouches for";
  }
  daemon.process().signal(SIGTERM);
  EXPECT_EQ(daemon.process().wait(), 0);
}

}  // namespace
}  // namespace swas
