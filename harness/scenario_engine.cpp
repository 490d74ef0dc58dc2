#include "harness/scenario_engine.hpp"

#include <algorithm>
#include <deque>

#include "common/error.hpp"

namespace infermark {

ServeTrace serve(const std::vector<ScheduledRequest>& schedule, int max_batch, StepExecutor& steps,
                 const AbortRule* abort) {
  if (max_batch < 1) throw Error(ErrorKind::Internal, "serve: max_batch must be ≥ 1");
  ScenarioClock& clock = steps.clock();
  ServeTrace trace;
  const size_t n = schedule.size();
  trace.requests.resize(n);
  std::vector<int> produced(n, 0);  // output tokens so far
  std::vector<double> last_token(n, 0);
  std::deque<size_t> waiting;
  std::vector<size_t> running;
  size_t next = 0, completed = 0;
  const double t0 = clock.now();
  auto since_start = [&] { return clock.now() - t0; };

  for (size_t i = 0; i < n; ++i) {
    const ScheduledRequest& r = schedule[i];
    if (r.generate < 2) throw Error(ErrorKind::Internal, "serve: a request must generate ≥ 2 tokens");
    if (i && r.arrival_s < schedule[i - 1].arrival_s)
      throw Error(ErrorKind::Internal, "serve: arrivals must be in ascending order");
    trace.requests[i].arrival = r.arrival_s;
    trace.requests[i].prompt = r.prompt;
    trace.requests[i].generate = r.generate;
  }

  std::vector<char> ttft_over(n, 0), tpot_over(n, 0);
  int64_t n_ttft_over = 0, n_tpot_over = 0;
  // Marks requests already certain to end over a bound; true when the load point has failed.
  auto bound_broken = [&](double now) {
    for (size_t i : waiting)
      if (!ttft_over[i] && now - schedule[i].arrival_s > abort->ttft_bound_s) ttft_over[i] = 1, ++n_ttft_over;
    for (size_t i : running)
      if (!tpot_over[i] &&
          (now - trace.requests[i].first_token) / (schedule[i].generate - 1) > abort->tpot_bound_s)
        tpot_over[i] = 1, ++n_tpot_over;
    return n_ttft_over >= abort->max_over || n_tpot_over >= abort->max_over;
  };

  while (completed < n) {
    // Arrivals compare in the clock's own time, exactly as wait_until below is given them: a
    // difference (now − t0) may round below an arrival the clock has reached.
    const double now_abs = clock.now(), now = now_abs - t0;
    while (next < n && t0 + schedule[next].arrival_s <= now_abs) waiting.push_back(next++);
    if (abort && bound_broken(now)) {
      trace.aborted = true;
      break;
    }

    if (!waiting.empty() && int(running.size()) < max_batch) {
      const size_t i = waiting.front();
      waiting.pop_front();
      steps.prefill(1, schedule[i].prompt);
      ++trace.prefill_steps;
      trace.requests[i].first_token = last_token[i] = since_start();
      produced[i] = 1;
      if (abort && !ttft_over[i] && trace.requests[i].ttft() > abort->ttft_bound_s)
        ttft_over[i] = 1, ++n_ttft_over;
      running.push_back(i);
      continue;
    }
    if (!running.empty()) {
      // Each running request feeds its latest token, at position prompt + produced − 1.
      int context = 0;
      for (size_t i : running) context = std::max(context, schedule[i].prompt + produced[i] - 1);
      steps.decode(int(running.size()), context);
      ++trace.decode_steps;
      trace.decode_rows += int64_t(running.size());
      trace.max_running = std::max(trace.max_running, int(running.size()));
      const double t = since_start();
      std::vector<size_t> still;
      for (size_t i : running) {
        trace.inter_token_s.push_back(t - last_token[i]);
        last_token[i] = t;
        if (++produced[i] == schedule[i].generate) {
          trace.requests[i].done = t;
          ++completed;
          if (abort && !tpot_over[i] && trace.requests[i].tpot() > abort->tpot_bound_s)
            tpot_over[i] = 1, ++n_tpot_over;
        } else {
          still.push_back(i);
        }
      }
      running.swap(still);
      continue;
    }
    clock.wait_until(t0 + schedule[next].arrival_s);
  }
  trace.duration = since_start();
  return trace;
}

}  // namespace infermark
