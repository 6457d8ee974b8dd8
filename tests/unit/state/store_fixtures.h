#pragma once

// Records the state tests store, shared by the files of store_test.

#include <cstdint>
#include <string>

#include "daemon/core/alert.h"
#include "daemon/core/invocation.h"

namespace swas::state::fixtures {

// A firing SwasInvocationFailed alert of instance i1 in cn-hangzhou, invocation "t-" + `fp`.
inline core::Alert alert(std::string fp, int64_t starts_at = 1'796'000'000) {
  core::Alert a;
  a.fingerprint = std::move(fp);
  a.scope = "cn-hangzhou";
  a.invoke_id = "t-" + a.fingerprint;
  a.instance_id = "i1";
  a.command_key = "id:c-1";
  a.creation_time = "2026-11-28T12:00:00";
  a.labels_json = R"({"alertname":"SwasInvocationFailed"})";
  a.annotations_json = R"({"summary":"s"})";
  a.starts_at = starts_at;
  return a;
}

// Instance i1 of invocation `invoke_id` in cn-hangzhou going from `from` to `to`.
inline core::Transition transition(std::string invoke_id, std::string from, std::string to,
                                   bool alertable = true) {
  return core::Transition{.scope = "cn-hangzhou",
                          .invoke_id = std::move(invoke_id),
                          .instance_id = "i1",
                          .from = std::move(from),
                          .to = std::move(to),
                          .alertable = alertable};
}

}  // namespace swas::state::fixtures
