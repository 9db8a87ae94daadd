// A backend made of CAF actors talks to orca's pool and session actors directly, through
// their typed interfaces, without the coroutine facade.
#include <future>
#include <utility>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <catch2/catch.hpp>

#include "orca/actors/caf_error.hpp"
#include "orca/actors/runtime.hpp"
#include "orca/actors/session_actor.hpp"
#include "orca/actors/typed_objects.hpp"
#include "orca/model/metadata.hpp"
#include "support/backends.hpp"
#include "support/seed_schema.hpp"

using namespace std::chrono_literals;
using namespace orca::actors;
using seed::A;

TEST_CASE("an event-based actor saves and queries through a session actor's typed interface", "[actors][typed]") {
  auto target = GENERATE(from_range(orca::test::backends()));
  INFO("backend: " << target.name);
  {
    auto setup = target.connect();
    orca::metadata::of<A, seed::B>().drop_all(*setup);
    orca::metadata::of<A, seed::B>().create_all(*setup);
  }
  std::promise<std::string> outcome;
  auto result = outcome.get_future();
  {
    auto rt = runtime::get();
    auto& system = rt->system();
    auto pool = spawn_pool(system, "typed-test", orca::parse_url(target.url), {}, {});
    auto session = spawn_session(system, pool, orca::parse_url(target.url).backend, {}, {});
    // However the test ends, the session and the pool end with it, so that the runtime can
    // end too: an actor left alive would hold the test until ctest's timeout. Closing or
    // disposing a second time does nothing.
    struct end_actors {
      decltype(pool) pool_to_dispose;
      decltype(session) session_to_close;
      ~end_actors() {
        caf::anon_send(session_to_close, close_atom::value);
        caf::anon_send(pool_to_dispose, dispose_atom::value);
      }
    } guard{pool, session};
    system.spawn(
        [pool, &outcome](caf::event_based_actor* self, session_actor session) {
          // The outcome is set once, and nothing here throws: an exception would kill this
          // actor before it disposes the pool, and the runtime would wait for the pool forever.
          auto settled = std::make_shared<bool>(false);
          auto settle = [settled, &outcome](std::string text) {
            if (!std::exchange(*settled, true)) outcome.set_value(std::move(text));
          };
          auto fail = [=](caf::error& e) {
            settle("error: " + from_caf_error(e, "the typed test").message());
            self->send(session, close_atom::value);
            self->send(pool, dispose_atom::value);
            self->quit();
          };
          auto a = std::make_shared<A>();
          a->data = "from an actor";
          self->request(session, 10s, add_atom::value, object_list{{&orca::table_of<A>(), a}})
              .then(
                  [=](ok_atom) {
                    self->request(session, 10s, commit_atom::value)
                        .then(
                            [=](ok_atom) {
                              self->request(session, 10s, execute_atom::value, orca::select<A>().spec())
                                  .then(
                                      [=](object_list& objects) {
                                        if (objects.empty()) {
                                          settle("no rows");
                                        } else {
                                          auto& first = *std::static_pointer_cast<A>(objects.front().object);
                                          settle(std::to_string(objects.size()) + " " + first.data.value_or("NULL"));
                                        }
                                        self->request(session, 10s, close_atom::value)
                                            .then(
                                                [=](ok_atom) {
                                                  self->send(pool, dispose_atom::value);
                                                  self->quit();
                                                },
                                                fail);
                                      },
                                      fail);
                            },
                            fail);
                  },
                  fail);
        },
        session);
    // Every request above has a 10 s timeout: an outcome not settled by now never will be.
    REQUIRE(result.wait_for(60s) == std::future_status::ready);
  }  // the runtime ends once every actor is done
  CHECK(result.get() == "1 from an actor");
  auto check = target.connect();
  CHECK(check->execute("SELECT data FROM a").at(0, 0).as_text() == "from an actor");
}

TEST_CASE("objects from actor messages are read back as their own class and refused as another", "[actors][typed]") {
  auto a = std::make_shared<A>();
  auto ref = ref_of(a);
  CHECK(object_as<A>(ref).get() == a.get());
  CHECK(objects_as<A>(object_list{ref, ref}).size() == 2);
  try {
    object_as<seed::B>(ref);
    FAIL("an A was read as a B");
  } catch (const orca::error& e) {
    CHECK(e.code() == orca::errc::type_mismatch);
    CHECK_THAT(e.message(), Catch::Contains("read as a B"));
  }
}
