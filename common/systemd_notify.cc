#include "common/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>

#include "common/logging.h"

namespace mesolite::systemd {

struct Notifier::Watchdog {
  Watchdog(boost::asio::io_context& io, std::chrono::microseconds interval)
      : timer(io), interval(interval) {}

  void ping() {
    ::sd_notify(0, "WATCHDOG=1");
    timer.expires_after(interval);
    timer.async_wait([this](const boost::system::error_code& error) {
      if (!error) ping();
    });
  }

  boost::asio::steady_timer timer;
  std::chrono::microseconds interval;
};

Notifier::Notifier(boost::asio::io_context& io, const std::string& status) {
  const int sent = ::sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
  if (sent < 0) log::warn("sd_notify(READY=1) failed: {}", std::strerror(-sent));
  uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    // Twice per period, as systemd advises: one late turn of the loop is no failure.
    watchdog_ = std::make_unique<Watchdog>(io, std::chrono::microseconds(usec / 2));
    watchdog_->ping();
    log::info("systemd watchdog: pinging every {} ms from the event loop", usec / 2000);
  }
}

Notifier::~Notifier() {
  if (watchdog_) watchdog_->timer.cancel();
  ::sd_notify(0, "STOPPING=1");
}

}  // namespace mesolite::systemd
