// orca::drivers::io_wait: what a database call in flight waits for on its connection's
// socket. Returned by the non-blocking calls of drivers::connection (start_* / advance).
#pragma once

#include <cstdint>

namespace orca::drivers {

/// done: the call has finished (take its result); read: wait until the socket is readable;
/// read_write: until it is readable or writable (the call still has bytes to send).
enum class io_wait : std::uint8_t { done, read, read_write };

}  // namespace orca::drivers
