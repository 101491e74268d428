// The raw-event path of a training run: what the tracers recorded goes to the run's bounded
// event store (the snapshot's timeline window, the exports) and to the sink (the session store
// when asked to keep raw events).
#include "training_run_impl.h"

namespace batchscope::engine {

void TrainingRun::Impl::drain_events() {
    drained.clear();
    if (tracer.drain(drained) == 0) return;
    events.append(drained);
    if (sink) sink->on_events(drained);
}

}  // namespace batchscope::engine
