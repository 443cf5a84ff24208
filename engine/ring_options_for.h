// The ring an engine runs on, from its Options: shared by Options::Validate, which checks it
// before Open writes anything, and by Open, which creates it, so that both judge the same ring.
#pragma once

#include "ringdb/options.h"
#include "ringdb/ring_options.h"

namespace ringdb {

// Every field but the logger, which Open sets to the engine's.
RingOptions RingOptionsFor(const Options& options);

}  // namespace ringdb
