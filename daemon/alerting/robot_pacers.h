#pragma once

// One pacer per chat robot, shared by every receiver that posts to it (one per language, say, or
// one per team's match): the robot's sliding windows, the strictest limits any of them has, and
// the penalty once the robot answered "throttled". The vendors penalise the robot, not the
// message (DingTalk: ten minutes for everything sent to it), so a second receiver that kept
// sending would only prolong it. The daemon keeps these across reloads (UnrecordedOutcomes):
// a reload neither resets a window nor lifts a penalty.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/alerting/pacer.h"
#include "daemon/alerting/receivers.h"

namespace swas::alerting {

// The robot a receiver URL posts to: the URL without a fragment and without the signing query
// parameters (timestamp, sign); where the query has an access_token (DingTalk), that token alone
// names the robot, whatever else the query holds.
std::string robotOf(std::string_view url);

class RobotPacers {
 public:
  // Gives each robot of `receivers` the union of their rate limits; send times and penalties
  // are kept.
  void configure(const std::vector<std::unique_ptr<Receiver>>& receivers);
  // The pacer of the robot `url` posts to (references stay valid).
  Pacer& of(std::string_view url);

 private:
  std::map<std::string, Pacer, std::less<>> pacers_;  // by robotOf(url)
};

}  // namespace swas::alerting
