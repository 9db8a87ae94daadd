// parse_url and orca::url's helpers: database URLs as SQLAlchemy and libpq spell them.
// Used by drivers::connect() and the engine; errors quote the URL with the password masked.
#include "hex.hpp"
#include "orca/drivers/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "orca/drivers/error.hpp"

namespace orca {

namespace {

constexpr std::string_view scheme_separator = "://";

bool is_password_key(std::string_view key) { return key == "password"; }

struct user_info_span {
  std::size_t colon;  ///< offset of ':' before the password, or npos
  std::size_t at;     ///< offset of the '@' that ends the user info
};

// Finds "user[:password]@" at the start of a URL's authority: the user info ends at the
// last '@' before the query, so that a password holding an unencoded '/' or '@' (a common
// mistake) still parses, or at least never leaks into a message.
std::optional<user_info_span> find_user_info(std::string_view rest) {
  auto at = rest.substr(0, rest.find('?')).rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  return user_info_span{rest.substr(0, at).find(':'), at};
}

// Masks the password in raw URL text, both in the user info and in a `password=` query
// parameter, so that even a URL we failed to parse never leaks it into a message.
std::string mask_password(std::string_view text) {
  std::string out{text};
  std::size_t query = std::string::npos;
  if (auto scheme_end = out.find(scheme_separator); scheme_end != std::string::npos) {
    auto authority = scheme_end + scheme_separator.size();
    if (auto span = find_user_info(std::string_view{out}.substr(authority));
        span && span->colon != std::string_view::npos) {
      out.replace(authority + span->colon + 1, span->at - span->colon - 1, "***");
      query = out.find('?', authority + span->colon + 4);
    } else {
      query = out.find('?', authority);
    }
  }
  for (auto pos = query; pos != std::string::npos && pos < out.size();) {
    auto key_begin = pos + 1;
    auto end = std::min(out.find('&', key_begin), out.size());
    auto equals = out.find('=', key_begin);
    if (equals != std::string::npos && equals < end &&
        is_password_key(std::string_view{out}.substr(key_begin, equals - key_begin))) {
      out.replace(equals + 1, end - equals - 1, "***");
      end = equals + 4;
    }
    pos = end < out.size() ? end : std::string::npos;
  }
  return out;
}

[[noreturn]] void fail(std::string_view text, std::string_view problem) {
  std::string message = "invalid URL '";
  message += mask_password(text);
  message += "': ";
  message += problem;
  throw error{errc::invalid_url, std::move(message)};
}

using drivers::detail::hex_digit;

// Percent-decodes one URL component; `what` names it in the error message. '+' stays a
// plus, as libpq reads it: URLs here are not HTML form data.
std::string decode(std::string_view text, std::string_view component, std::string_view what) {
  std::string out;
  out.reserve(component.size());
  for (std::size_t i = 0; i < component.size(); ++i) {
    if (component[i] != '%') {
      out += component[i];
      continue;
    }
    int high = i + 1 < component.size() ? hex_digit(component[i + 1]) : -1;
    int low = i + 2 < component.size() ? hex_digit(component[i + 2]) : -1;
    if (high < 0 || low < 0) {
      auto escape = component.substr(i, 3);
      // An escape inside the password must not be quoted back: it is part of the secret.
      if (what == "password") fail(text, "bad percent escape in the password");
      fail(text, "bad percent escape '" + std::string{escape} + "' in the " + std::string{what});
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string lowercase(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<backend> backend_of(std::string_view scheme) {
  auto name = lowercase(scheme);
  if (name == "sqlite") return backend::sqlite;
  if (name == "postgresql" || name == "postgres") return backend::postgresql;
  return std::nullopt;
}

void parse_query(std::string_view text, std::string_view query, url& out) {
  while (!query.empty()) {
    auto end = std::min(query.find('&'), query.size());
    auto pair = query.substr(0, end);
    query.remove_prefix(std::min(end + 1, query.size()));
    if (pair.empty()) continue;
    auto equals = pair.find('=');
    if (equals == std::string_view::npos)
      fail(text, "query parameter '" + std::string{pair} + "' has no value (write key=value)");
    auto key = decode(text, pair.substr(0, equals), "query");
    out.query[key] = decode(text, pair.substr(equals + 1), is_password_key(key) ? "password" : "query");
  }
}

void parse_host_and_port(std::string_view text, std::string_view host_port, url& out) {
  std::string_view port_text;
  if (host_port.starts_with('[')) {  // IPv6 literal: [::1]:5432
    auto close = host_port.find(']');
    if (close == std::string_view::npos) fail(text, "unterminated '[' in the host");
    out.host = std::string{host_port.substr(1, close - 1)};
    auto rest = host_port.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) fail(text, "unexpected text after the IPv6 host");
    port_text = rest.empty() ? rest : rest.substr(1);
  } else {
    auto colon = host_port.find(':');
    out.host = decode(text, host_port.substr(0, colon), "host");
    if (colon != std::string_view::npos) port_text = host_port.substr(colon + 1);
  }
  if (port_text.empty()) return;
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    fail(text, "bad port '" + std::string{port_text} + "' (expected a number from 1 to 65535)");
  out.port = static_cast<std::uint16_t>(port);
}

url parse_postgresql(std::string_view text, std::string_view rest, url out) {
  if (auto span = find_user_info(rest)) {
    out.user = decode(text, rest.substr(0, std::min(span->colon, span->at)), "user name");
    if (span->colon != std::string_view::npos)
      out.password = decode(text, rest.substr(span->colon + 1, span->at - span->colon - 1), "password");
    rest.remove_prefix(span->at + 1);
  }
  auto authority_end = std::min(rest.find_first_of("/?"), rest.size());
  auto authority = rest.substr(0, authority_end);
  rest.remove_prefix(authority_end);
  parse_host_and_port(text, authority, out);
  auto query_begin = std::min(rest.find('?'), rest.size());
  if (!rest.empty() && rest.front() == '/')
    out.database = decode(text, rest.substr(1, query_begin - 1), "database name");
  if (query_begin < rest.size()) parse_query(text, rest.substr(query_begin + 1), out);
  return out;
}

url parse_sqlite(std::string_view text, std::string_view rest, url out) {
  // sqlite:///path: the authority (between '//' and the third '/') must be empty.
  if (!rest.empty() && rest.front() != '/')
    fail(text,
         "a SQLite URL has no host: write sqlite:///relative.db, sqlite:////absolute.db "
         "or sqlite:// for a memory database");
  auto query_begin = std::min(rest.find('?'), rest.size());
  if (!rest.empty()) out.database = decode(text, rest.substr(1, query_begin - 1), "path");
  if (query_begin < rest.size()) parse_query(text, rest.substr(query_begin + 1), out);
  return out;
}

}  // namespace

bool url::is_memory() const noexcept {
  return backend == orca::backend::sqlite && (database.empty() || database == ":memory:");
}

std::string url::redacted() const {
  std::string out = backend == orca::backend::sqlite ? "sqlite://" : "postgresql://";
  if (backend == orca::backend::postgresql) {
    if (!user.empty() || !password.empty()) {
      out += user;
      if (!password.empty()) out += ":***";
      out += '@';
    }
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != 0) out += ':' + std::to_string(port);
  }
  if (!database.empty() || backend == orca::backend::postgresql) out += '/';
  out += database;
  char separator = '?';
  for (const auto& [key, value] : query) {
    out += separator;
    out += key;
    out += '=';
    out += is_password_key(key) ? "***" : value;
    separator = '&';
  }
  return out;
}

url parse_url(std::string_view text) {
  auto scheme_end = text.find(':');
  if (scheme_end == std::string_view::npos || scheme_end == 0)
    fail(text, "missing scheme (expected sqlite:// or postgresql://)");
  auto scheme = text.substr(0, scheme_end);
  auto kind = backend_of(scheme);
  if (!kind) fail(text, "unknown scheme '" + std::string{scheme} + "' (expected sqlite, postgresql or postgres)");
  if (text.substr(scheme_end, scheme_separator.size()) != scheme_separator)
    fail(text, "missing '//' after '" + std::string{scheme} + ":'");
  url out;
  out.backend = *kind;
  auto rest = text.substr(scheme_end + scheme_separator.size());
  return *kind == backend::sqlite ? parse_sqlite(text, rest, std::move(out))
                                  : parse_postgresql(text, rest, std::move(out));
}

}  // namespace orca
