// The cnnc version, part of every kernel cache key and plugin check.
#pragma once

namespace cnnc {
const char* version();
}
