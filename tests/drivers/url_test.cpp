// Tests of parse_url, url::redacted and url::is_memory: the URL forms orca documents.
// Backend-independent; no database is opened.
#include <catch2/catch.hpp>

#include "orca/drivers/error.hpp"
#include "orca/drivers/url.hpp"

namespace {

// The message of the invalid_url error parse_url throws for `text`.
std::string rejection_of(std::string_view text) {
  try {
    orca::parse_url(text);
  } catch (const orca::error& failed) {
    CHECK(failed.code() == orca::errc::invalid_url);
    return failed.what();
  }
  FAIL("parse_url accepted '" << text << "'");
  return {};
}

}  // namespace

TEST_CASE("a sqlite URL with three slashes names a path relative to the working directory", "[url]") {
  auto parsed = orca::parse_url("sqlite:///relative/orca.db");
  CHECK(parsed.backend == orca::backend::sqlite);
  CHECK(parsed.database == "relative/orca.db");
  CHECK_FALSE(parsed.is_memory());
}

TEST_CASE("a sqlite URL with four slashes names an absolute path", "[url]") {
  auto parsed = orca::parse_url("sqlite:////tmp/orca.db");
  CHECK(parsed.database == "/tmp/orca.db");
  CHECK(parsed.redacted() == "sqlite:////tmp/orca.db");
}

TEST_CASE("sqlite:// and sqlite:///:memory: name a memory database", "[url]") {
  auto empty = orca::parse_url("sqlite://");
  CHECK(empty.is_memory());
  CHECK(empty.redacted() == "sqlite://");
  auto named = orca::parse_url("sqlite:///:memory:");
  CHECK(named.is_memory());
  CHECK(named.database == ":memory:");
}

TEST_CASE("a sqlite path is percent-decoded", "[url]") {
  CHECK(orca::parse_url("sqlite:///my%20data.db").database == "my data.db");
}

TEST_CASE("a postgresql URL yields user, password, host, port, database and query", "[url]") {
  auto parsed = orca::parse_url("postgresql://scott:tiger@db.example.com:6543/orders?connect_timeout=5");
  CHECK(parsed.backend == orca::backend::postgresql);
  CHECK(parsed.user == "scott");
  CHECK(parsed.password == "tiger");
  CHECK(parsed.host == "db.example.com");
  CHECK(parsed.port == 6543);
  CHECK(parsed.database == "orders");
  CHECK(parsed.query.at("connect_timeout") == "5");
  CHECK_FALSE(parsed.is_memory());
}

TEST_CASE("postgres:// is accepted as a synonym of postgresql://", "[url]") {
  auto parsed = orca::parse_url("postgres://localhost/app");
  CHECK(parsed.backend == orca::backend::postgresql);
  CHECK(parsed.host == "localhost");
  CHECK(parsed.port == 0);
  CHECK(parsed.database == "app");
}

TEST_CASE("a postgresql URL may name a unix socket directory in its query", "[url]") {
  auto parsed = orca::parse_url("postgresql://orca@/orca_test?host=/var/run/postgresql");
  CHECK(parsed.user == "orca");
  CHECK(parsed.host.empty());
  CHECK(parsed.database == "orca_test");
  CHECK(parsed.query.at("host") == "/var/run/postgresql");
}

TEST_CASE("every postgresql URL component is percent-decoded", "[url]") {
  auto parsed = orca::parse_url(
      "postgresql://us%40er:p%3Ass%2Fw@localhost/my%2Ddb?options=-csearch_path%3Dt_1&host=%2Ftmp");
  CHECK(parsed.user == "us@er");
  CHECK(parsed.password == "p:ss/w");
  CHECK(parsed.database == "my-db");
  CHECK(parsed.query.at("options") == "-csearch_path=t_1");
  CHECK(parsed.query.at("host") == "/tmp");
}

TEST_CASE("an IPv6 host is written in brackets", "[url]") {
  auto parsed = orca::parse_url("postgresql://u@[::1]:5433/db");
  CHECK(parsed.host == "::1");
  CHECK(parsed.port == 5433);
  CHECK(parsed.redacted() == "postgresql://u@[::1]:5433/db");
}

TEST_CASE("a redacted URL masks the password wherever it appears", "[url]") {
  auto parsed = orca::parse_url("postgresql://scott:tiger@localhost:5432/orders?password=lion&sslmode=disable");
  auto shown = parsed.redacted();
  CHECK(shown == "postgresql://scott:***@localhost:5432/orders?password=***&sslmode=disable");
  CHECK(shown.find("tiger") == std::string::npos);
  CHECK(shown.find("lion") == std::string::npos);
}

TEST_CASE("a malformed URL is rejected with the password masked", "[url]") {
  SECTION("bad port") {
    auto message = rejection_of("postgresql://scott:tiger@localhost:99999/db");
    CHECK_THAT(message, Catch::Contains("bad port '99999'"));
    CHECK_THAT(message, Catch::Contains("postgresql://scott:***@localhost:99999/db"));
    CHECK_THAT(message, !Catch::Contains("tiger"));
  }
  SECTION("non-numeric port") {
    CHECK_THAT(rejection_of("postgresql://localhost:abc/db"), Catch::Contains("bad port 'abc'"));
  }
  SECTION("unknown scheme") {
    auto message = rejection_of("mysql://root:secret@localhost/db");
    CHECK_THAT(message, Catch::Contains("unknown scheme 'mysql'"));
    CHECK_THAT(message, !Catch::Contains("secret"));
  }
  SECTION("missing '//'") { CHECK_THAT(rejection_of("sqlite:orca.db"), Catch::Contains("missing '//'")); }
  SECTION("missing scheme") { CHECK_THAT(rejection_of("orca.db"), Catch::Contains("missing scheme")); }
  SECTION("bad percent escape") {
    CHECK_THAT(rejection_of("postgresql://localhost/my%zzdb"), Catch::Contains("bad percent escape '%zz'"));
  }
  SECTION("bad percent escape in the password does not quote the password") {
    auto message = rejection_of("postgresql://scott:ti%zzger@localhost/db");
    CHECK_THAT(message, Catch::Contains("in the password"));
    CHECK_THAT(message, !Catch::Contains("ti%zz"));
  }
  SECTION("password with an unencoded slash") {
    auto message = rejection_of("postgresql://scott:ti/ger@localhost:x/db");
    CHECK_THAT(message, !Catch::Contains("ti/ger"));
  }
  SECTION("password in the query") {
    auto message = rejection_of("postgresql://localhost:0/db?password=tiger");
    CHECK_THAT(message, Catch::Contains("password=***"));
    CHECK_THAT(message, !Catch::Contains("tiger"));
  }
  SECTION("a host in a sqlite URL") {
    CHECK_THAT(rejection_of("sqlite://localhost/orca.db"), Catch::Contains("no host"));
  }
  SECTION("query parameter without a value") {
    CHECK_THAT(rejection_of("postgresql://localhost/db?sslmode"), Catch::Contains("'sslmode' has no value"));
  }
}
