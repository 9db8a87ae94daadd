// The query tests' fixture: blog::reset() makes the blog tables afresh with three users and
// three posts; outside() reads through a connection of its own. Used by tests/actors/query_test.cpp
// and tests/actors/bulk_statement_test.cpp.
#pragma once

#include <string>
#include <utility>

#include "orca/orca.hpp"
#include "support/backends.hpp"
#include "support/blog_schema.hpp"

namespace query_test {

/// The rows of `sql` read through a new connection to `target`, outside every session.
inline orca::drivers::rowset outside(const orca::test::backend_target& target, const std::string& sql) {
  return target.connect()->execute(sql);
}

/// Runs a test's coroutine to its end; what it throws fails the test.
inline void run_test(orca::task<void> t) { orca::run_or_throw(std::move(t)); }

}  // namespace query_test

namespace blog {

/// Creates the tables afresh and adds alice (2 posts), bob (1 post) and carol (none).
inline orca::task<void> reset(orca::engine engine) {
  co_await engine.begin().run_sync([](orca::connection& c) {
    auto meta = orca::metadata::of<User, Post>();
    meta.drop_all(c);
    meta.create_all(c);
  });
  auto session = orca::async_sessionmaker(engine)();
  session.add(User{.name = "alice",
                   .email = "alice@example.org",
                   .posts = {Post{.title = "Hello", .views = 10, .score = 1.5},
                             Post{.title = "again", .views = 5, .score = std::nullopt}}});
  session.add(User{.name = "bob", .email = "BOB@example.org", .posts = {Post{.title = "Bob's", .views = 7}}});
  session.add(User{.name = "carol"});
  co_await session.commit();
}

}  // namespace blog
