#include "daemon/alerting/receivers/factory.h"

#include "daemon/alerting/receivers/chat_receiver.h"

namespace swas::alerting {

std::unique_ptr<Receiver> makeReceiver(ReceiverConfig config, const std::string& external_url) {
  if (auto chat = makeChatReceiver(config)) return chat;
  return makeHttpReceiver(std::move(config), external_url);
}

}  // namespace swas::alerting
