// Tells systemd how a daemon is doing (sd_notify), for Type=notify units: READY=1 once
// it serves, WATCHDOG=1 from its event loop while the unit has WatchdogSec= (a loop
// that stops turning gets the daemon restarted), STOPPING=1 on the way out. Without
// $NOTIFY_SOCKET (not started by systemd) nothing is sent.
#pragma once

#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace mesolite::systemd {

class Notifier {
 public:
  // Sends READY=1 with `status`, and starts the watchdog pings on `io` if asked for.
  Notifier(boost::asio::io_context& io, const std::string& status);
  ~Notifier();  // STOPPING=1
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

 private:
  struct Watchdog;
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace mesolite::systemd
