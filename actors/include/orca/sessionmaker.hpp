// orca::async_sessionmaker: a factory of sessions bound to an engine (SQLAlchemy's
// async_sessionmaker). Used by application code.
#pragma once

#include "orca/engine.hpp"
#include "orca/model/sync_session.hpp"
#include "orca/session.hpp"

namespace orca {

/// A factory of sessions bound to an engine (SQLAlchemy's async_sessionmaker).
class async_sessionmaker {
public:
  explicit async_sessionmaker(engine e, session_options options = {}) : engine_(std::move(e)), options_(options) {}
  /// A new session.
  async_session operator()() const { return async_session{engine_.state(), options_}; }

private:
  engine engine_;
  session_options options_;
};

}  // namespace orca
