// The whole public API of orca: mapping, statements, engine, sessions, coroutines.
#pragma once

#include "orca/drivers/error.hpp"
#include "orca/drivers/url.hpp"
#include "orca/drivers/value.hpp"
#include "orca/engine.hpp"
#include "orca/model/mapping.hpp"
#include "orca/model/metadata.hpp"
#include "orca/model/bulk.hpp"
#include "orca/model/functions.hpp"
#include "orca/model/query.hpp"
#include "orca/model/query_request.hpp"
#include "orca/model/select.hpp"
#include "orca/run.hpp"
#include "orca/session.hpp"
#include "orca/sessionmaker.hpp"
#include "orca/task.hpp"
