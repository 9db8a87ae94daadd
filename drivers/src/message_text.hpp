// one_line: a multi-line driver message folded into one line of sentences.
// Private to drivers/src (the PostgreSQL backend); tested by tests/drivers/message_text_test.cpp.
#pragma once

#include <string>
#include <string_view>

namespace orca::drivers {

/// Text with its line breaks, tabs and runs of spaces folded into single spaces; libpq's
/// messages span lines ("...failed: FATAL:  ...\n\tIs the server running..."), orca's do
/// not. Indented lower-case lines continue their sentence; other lines start one, and the
/// line before gets a full stop if it has no punctuation. No word is dropped or changed.
std::string one_line(std::string_view text);

}  // namespace orca::drivers
