// one_line: libpq's multi-line messages as one line of sentences, every word kept.
// Used by the PostgreSQL backend for every error text it passes on.
#include "message_text.hpp"

#include <cctype>

namespace orca::drivers {

std::string one_line(std::string_view text) {
  // libpq ends each message with a line break and indents the lines that continue it
  // ("server closed the connection unexpectedly\n\tThis probably means the server
  // terminated abnormally\n\tbefore or while processing the request.\n"). An indented line
  // that starts in lower case continues its sentence; any other line starts a sentence, so
  // a line that ended without punctuation gets a full stop: "Connection refused. Is the...".
  std::string out;
  out.reserve(text.size() + 8);
  bool space = false, line_break = false, indented = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !out.empty();
      indented = line_break && (c == '\t' || c == ' ');
      line_break = line_break || c == '\n';
      continue;
    }
    bool continues = indented && std::islower(static_cast<unsigned char>(c)) != 0;
    if (space && line_break && !continues && std::isalnum(static_cast<unsigned char>(out.back()))) out.push_back('.');
    if (space) out.push_back(' ');
    space = line_break = indented = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace orca::drivers
