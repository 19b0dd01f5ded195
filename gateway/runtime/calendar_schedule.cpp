// Calendar schedules (ABI 1.3): the wall clock decides, not a steady interval. The timer wakes at
// least once a second and compares the system clock with the due time, so a clock corrected by
// NTP, a suspended VM or a reload is noticed within a second.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/log/log.hpp"
#include "gateway/runtime/gateway.hpp"

namespace kq::runtime {

namespace asio = boost::asio;

namespace {

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

asio::awaitable<void> Gateway::run_calendar_schedule(std::shared_ptr<const plugin_host::AdapterInstance> adapter,
                                                     plugin_host::Schedule schedule,
                                                     std::shared_ptr<std::atomic<bool>> alive, bool at_start) {
  const auto& calendar = *schedule.calendar;
  const std::filesystem::path state_dir = std::filesystem::path(config_.data_dir) / "schedules";
  const std::string& adapter_name = adapter->name();
  const auto last = at_start ? schedule::read_last_run(state_dir, adapter_name, schedule.name) : std::nullopt;
  auto plan = schedule::plan_first_run(calendar, last, now_seconds());
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (alive->load() && plan) {
    const auto& zone = calendar.zone;
    if (plan->catch_up) {
      log::info("schedule_missed_run", {{"adapter", adapter_name}, {"schedule", schedule.name},
                                        {"last_run", schedule::format_local(zone, *last)},
                                        {"running_at", schedule::format_local(zone, plan->due)}});
    } else {
      schedule_board_.set_next(adapter_name, schedule.name, plan->due);
      log::info("schedule_next_run", {{"adapter", adapter_name}, {"schedule", schedule.name},
                                      {"cron", calendar.cron.text}, {"time_zone", zone.name()},
                                      {"next_run", schedule::format_local(zone, plan->due)}});
      while (alive->load() && now_seconds() < plan->due) {
        timer.expires_after(std::chrono::seconds(1));
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
    }
    if (!alive->load()) co_return;
    const std::int64_t started = now_seconds();
    schedule_board_.ran(adapter_name, schedule.name, started);
    co_await fire_schedule(adapter, schedule.name);
    try {
      schedule::write_last_run(state_dir, adapter_name, schedule.name, started);
    } catch (const std::exception& e) {
      // The run happened; at worst a restart runs it once more, which the message key makes safe.
      log::warn("schedule_state_not_saved", {{"adapter", adapter_name}, {"schedule", schedule.name},
                                             {"reason", e.what()}});
    }
    const auto next = calendar.next_after(std::max(started, now_seconds()));
    plan = next ? std::optional<schedule::FirstRun>(schedule::FirstRun{*next, false}) : std::nullopt;
  }
}

}  // namespace kq::runtime
