#include "daemon/core/error.h"

#include <gtest/gtest.h>

namespace swas::core {
namespace {

TEST(MetricCode, BoundedValues) {
  EXPECT_EQ(metricCode({.kind = ErrorKind::kApi, .code = "Throttling.User"}), "Throttling.User");
  EXPECT_EQ(metricCode({.kind = ErrorKind::kHttpStatus, .http_status = 502}), "HTTP_502");
  EXPECT_EQ(metricCode({.kind = ErrorKind::kTimeout}), "timeout");
  EXPECT_EQ(metricCode({.kind = ErrorKind::kConnect}), "connect");
  EXPECT_EQ(metricCode({.kind = ErrorKind::kTls}), "tls");
  EXPECT_EQ(metricCode({.kind = ErrorKind::kParse}), "parse");
  EXPECT_EQ(metricCode({.kind = ErrorKind::kTooLarge}), "parse");
}

TEST(Describe, CarriesCodeAndRequestId) {
  Error e{.kind = ErrorKind::kApi,
          .code = "SignatureDoesNotMatch",
          .message = "bad",
          .request_id = "R-1",
          .http_status = 400};
  EXPECT_EQ(describe(e), "api Code=SignatureDoesNotMatch HTTP=400 RequestId=R-1: bad");
}

}  // namespace
}  // namespace swas::core
