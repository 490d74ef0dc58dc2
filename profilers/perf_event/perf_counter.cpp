#include "profilers/perf_event/perf_counter.hpp"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "profilers/process_threads.hpp"

namespace infermark {

namespace {

int perf_event_open(perf_event_attr* attr, pid_t tid, int group_fd) {
  return int(::syscall(SYS_perf_event_open, attr, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

std::optional<int> perf_event_paranoid() {
  std::ifstream in("/proc/sys/kernel/perf_event_paranoid");
  int v = 0;
  if (in >> v) return v;
  return std::nullopt;
}

std::string perf_errno_text(int err, bool hardware) {
  const char* name = strerrorname_np(err);
  std::string s = std::string(name ? name : "errno " + std::to_string(err)) + " (" +
                  std::strerror(err) + ")";
  if (hardware && (err == ENOENT || err == EOPNOTSUPP || err == ENODEV))
    s += ": the kernel exposes no hardware PMU for this CPU (usual in virtual machines)";
  if (err == EACCES || err == EPERM) {
    const auto p = perf_event_paranoid();
    s += ": not permitted";
    if (p) s += " with kernel.perf_event_paranoid = " + std::to_string(*p);
    s += " (run as root, or lower it: sysctl kernel.perf_event_paranoid=1; in a container, a "
         "seccomp profile may forbid perf_event_open)";
  }
  if (err == EMFILE) s += ": too many open files (raise ulimit -n)";
  return s;
}

std::optional<std::string> PerfEventGroup::open(const std::vector<PerfEventSpec>& events,
                                                bool user_only, PerfEventGroup& out) {
  PerfEventGroup g;
  g.events_ = events;
  g.user_only_ = user_only;
  bool opened_any_thread = false;
  for (pid_t tid : process_thread_ids()) {
    std::vector<int> fds;
    int failed_errno = 0;
    size_t failed_index = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      perf_event_attr a{};
      a.size = sizeof a;
      a.type = events[i].type;
      a.config = events[i].config;
      a.disabled = i == 0 ? 1 : 0;  // members follow the leader's enable/disable
      a.inherit = 1;                // threads started later by this one are counted too
      a.exclude_kernel = user_only ? 1 : 0;
      a.exclude_hv = user_only ? 1 : 0;
      a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
      const int fd = perf_event_open(&a, tid, fds.empty() ? -1 : fds.front());
      if (fd < 0) {
        failed_errno = errno;
        failed_index = i;
        break;
      }
      fds.push_back(fd);
    }
    if (failed_errno == ESRCH) {  // the thread ended between listing and opening: nothing to count
      for (int fd : fds) ::close(fd);
      continue;
    }
    if (failed_errno) {
      for (int fd : fds) ::close(fd);
      return "perf_event_open(" + events[failed_index].config_name + "): " +
             perf_errno_text(failed_errno, events[failed_index].type == PERF_TYPE_HARDWARE);
    }
    g.fds_.push_back(std::move(fds));
    opened_any_thread = true;
  }
  if (!opened_any_thread) return std::string("no thread of this process could be counted");
  out = std::move(g);
  return std::nullopt;
}

PerfEventGroup::PerfEventGroup(PerfEventGroup&& o) noexcept { *this = std::move(o); }

PerfEventGroup& PerfEventGroup::operator=(PerfEventGroup&& o) noexcept {
  if (this != &o) {
    close_all();
    events_ = std::move(o.events_);
    fds_ = std::move(o.fds_);
    user_only_ = o.user_only_;
    o.fds_.clear();
  }
  return *this;
}

PerfEventGroup::~PerfEventGroup() { close_all(); }

void PerfEventGroup::close_all() {
  for (auto& t : fds_)
    for (int fd : t) ::close(fd);
  fds_.clear();
}

void PerfEventGroup::enable() {
  for (auto& t : fds_) {
    ::ioctl(t.front(), PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
    ::ioctl(t.front(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
  }
}

void PerfEventGroup::disable() {
  for (auto& t : fds_) ::ioctl(t.front(), PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

std::vector<PerfEventGroup::Value> PerfEventGroup::read() const {
  std::vector<Value> out(events_.size());
  for (const auto& t : fds_) {
    for (size_t i = 0; i < t.size(); ++i) {
      uint64_t buf[3] = {0, 0, 0};  // value, time_enabled, time_running
      if (::read(t[i], buf, sizeof buf) != ssize_t(sizeof buf)) continue;
      double v = double(buf[0]);
      if (buf[2] > 0 && buf[2] < buf[1]) {
        v *= double(buf[1]) / double(buf[2]);
        out[i].multiplexed = true;
      }
      out[i].value += v * events_[i].scale;
    }
  }
  return out;
}

}  // namespace infermark
