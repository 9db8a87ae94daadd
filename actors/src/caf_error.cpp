// orca::error <-> caf::error: orca's errors cross actors as category "orca" with their
// message and driver details as context, and come back as the same orca::error.
#include "orca/actors/caf_error.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

CAF_ERROR_CODE_ENUM(orca::errc, "orca")

namespace orca::actors {

caf::error to_caf_error(const orca::error& e) {
  auto& d = e.details();
  return caf::make_error(e.code(), e.message(), d.sql, d.sqlstate, d.constraint, d.connection_poisoned,
                         static_cast<std::uint64_t>(d.parameter), d.column);
}

caf::error current_exception_to_caf_error() {
  try {
    throw;
  } catch (const orca::error& e) {
    return to_caf_error(e);
  } catch (const std::exception& e) {
    return to_caf_error(orca::error{errc::internal, std::string{"unexpected exception: "} + e.what()});
  } catch (...) {
    return to_caf_error(orca::error{errc::internal, "unexpected exception of unknown type"});
  }
}

caf::error to_caf_error(std::exception_ptr e) {
  try {
    std::rethrow_exception(std::move(e));
  } catch (...) {
    return current_exception_to_caf_error();
  }
}

orca::error from_caf_error(const caf::error& e, std::string_view during) {
  if (e.category() == caf::atom("orca")) {
    auto& ctx = e.context();
    if (ctx.match_elements<std::string, std::string, std::string, std::string, bool, std::uint64_t, std::string>())
      return orca::error{
          static_cast<errc>(e.code()), ctx.get_as<std::string>(0),
          error_details{ctx.get_as<std::string>(1), ctx.get_as<std::string>(2), ctx.get_as<std::string>(3),
                        ctx.get_as<bool>(4), static_cast<std::size_t>(ctx.get_as<std::uint64_t>(5)),
                        ctx.get_as<std::string>(6)}};
    return orca::error{static_cast<errc>(e.code()), std::string{during} + " failed"};
  }
  if (e == caf::sec::request_timeout)
    return orca::error{errc::request_timeout, std::string{during} + " did not answer in time (request timeout)"};
  if (e == caf::sec::request_receiver_down)
    return orca::error{errc::disposed, std::string{during} +
                                           " failed: the actor serving it is gone "
                                           "(engine disposed, session closed, connection lost, or a stream "
                                           "closed after its idle timeout)"};
  return orca::error{errc::internal, std::string{during} + " failed: " + caf::to_string(e)};
}

}  // namespace orca::actors
