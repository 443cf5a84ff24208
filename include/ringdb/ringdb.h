// The umbrella header: everything a ringdb user needs.
#pragma once

#include "ringdb/engine.h"
#include "ringdb/logger.h"
#include "ringdb/options.h"
#include "ringdb/result.h"
#include "ringdb/ring_buffer.h"
#include "ringdb/status.h"
#include "ringdb/version.h"
#include "ringdb/write_batch.h"
