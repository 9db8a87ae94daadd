// orca::object_slabs: where an identity map's loads make their objects. A load of a hundred
// thousand rows makes a hundred thousand objects; from malloc each is a separate allocation
// in memory the allocator has just given back to the system and must fault in again. From a
// slab, an object (with its shared_ptr control block, as make_shared makes them) is carved
// off a region in a few instructions, and a large load's regions are huge pages (see
// orca/drivers/large_memory.hpp).
//
// A slab counts the objects carved from it; it is freed when the last of them goes (from any
// thread) and its owner has moved on to another slab. So memory comes back in whole slabs:
// an application that keeps one object of a large load keeps that object's slab (at most
// 2 MiB), as CPython's allocator keeps an arena for one live object. Slabs start at 16 KiB
// and double with each new one, up to 2 MiB: a session that loads a few objects holds a few
// KiB. Under AddressSanitizer objects come from make_shared, so that each is checked alone.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

#include "orca/drivers/large_memory.hpp"

namespace orca {

/// One region objects are carved from. Counts its owner and every object carved from it.
class object_slab {
public:
  /// A slab of `bytes` in all (header included), owned by the caller.
  static object_slab* make(std::size_t bytes);
  object_slab(const object_slab&) = delete;
  object_slab& operator=(const object_slab&) = delete;

  /// Whether `bytes` aligned to `alignment` (at most 16) fit in the rest of the slab.
  bool fits(std::size_t bytes, std::size_t alignment) const noexcept {
    auto* p = align(next_, alignment);
    return p <= end_ && static_cast<std::size_t>(end_ - p) >= bytes;
  }
  /// `bytes` of the slab, counted; fits() must have said yes. By the owner's thread only.
  void* carve(std::size_t bytes, std::size_t alignment) noexcept {
    auto* p = align(next_, alignment);
    next_ = p + bytes;
    ++carved_;
    return p;
  }
  /// Drops an object's count; the last count frees the slab.
  void release() noexcept {
    if (live_.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy();
  }
  /// The owner lets go of the slab: from now on it counts its live objects alone, and it is
  /// freed at once if none is left.
  void retire() noexcept {
    auto share = owner_share - carved_;
    if (live_.fetch_sub(share, std::memory_order_acq_rel) == share) destroy();
  }
  /// The slab's size, header included.
  std::size_t bytes() const noexcept { return bytes_; }
  /// Slabs made and not yet freed, in the process (for tests).
  static std::size_t count() noexcept;

  /// The slab of huge_page_bytes holding `p`: such a slab is mapped aligned to its size,
  /// its header first.
  static object_slab* of_huge(const void* p) noexcept {
    return reinterpret_cast<object_slab*>(reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{huge_page_bytes - 1});
  }
  /// The slab huge_slab_allocator carves from on this thread (set by object_slabs::make()).
  static object_slab*& carving() noexcept;

private:
  object_slab(std::size_t bytes, std::byte* start, std::byte* end) noexcept : bytes_(bytes), next_(start), end_(end) {}
  ~object_slab() = default;
  static std::byte* align(std::byte* p, std::size_t alignment) noexcept {
    auto address = reinterpret_cast<std::uintptr_t>(p);
    return p + ((alignment - address % alignment) % alignment);
  }
  void destroy() noexcept;

  /// The owner's count while it carves: more than a slab can hold objects. The objects
  /// carved are counted when the owner retires the slab (one subtraction), not as each is
  /// carved: an atomic operation less per object of a load (400,000 of them in P2).
  static constexpr std::size_t owner_share = std::size_t{1} << 62;

  /// owner_share less the objects freed, while the owner carves; then the live objects.
  std::atomic<std::size_t> live_{owner_share};
  std::size_t carved_ = 0;  ///< objects carved (the owner's thread only)
  std::size_t bytes_;
  std::byte* next_;
  std::byte* end_;
};

/// The allocator make() passes to allocate_shared: one allocation (object and control
/// block), carved from the slab it names.
template <class T>
struct slab_allocator {
  using value_type = T;
  object_slab* slab;

  explicit slab_allocator(object_slab* s) noexcept : slab(s) {}
  template <class U>
  slab_allocator(const slab_allocator<U>& other) noexcept : slab(other.slab) {}

  T* allocate(std::size_t n) {
    if (!slab->fits(n * sizeof(T), alignof(T))) throw std::bad_alloc();  // make() made room: not reached
    return static_cast<T*>(slab->carve(n * sizeof(T), alignof(T)));
  }
  void deallocate(T*, std::size_t) noexcept { slab->release(); }
  template <class U>
  bool operator==(const slab_allocator<U>& other) const noexcept {
    return slab == other.slab;
  }
};

/// The allocator make() passes for a slab of huge_page_bytes: it holds nothing, since the
/// slab is found from the address (object_slab::of_huge), so the control block carries no
/// allocator. Eight bytes less per object: SQLite P2's 300,000 objects take 2.3 MiB less.
template <class T>
struct huge_slab_allocator {
  using value_type = T;

  huge_slab_allocator() noexcept = default;
  template <class U>
  huge_slab_allocator(const huge_slab_allocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    auto* slab = object_slab::carving();
    if (slab == nullptr || !slab->fits(n * sizeof(T), alignof(T))) throw std::bad_alloc();  // make() made room
    return static_cast<T*>(slab->carve(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept { object_slab::of_huge(p)->release(); }
  template <class U>
  bool operator==(const huge_slab_allocator<U>&) const noexcept {
    return true;
  }
};

/// The slabs of one identity map: the current one, which it owns.
class object_slabs {
public:
  object_slabs() = default;
  /// Slabs of at most `largest_bytes` (huge_page_bytes by default).
  explicit object_slabs(std::size_t largest_bytes) noexcept : largest_slab_bytes_(largest_bytes) {}
  object_slabs(const object_slabs&) = delete;
  object_slabs& operator=(const object_slabs&) = delete;
  ~object_slabs() { retire(); }

  /// A T made of `args` (default-constructed without), with its control block, carved from
  /// the current slab.
  template <class T, class... Args>
  std::shared_ptr<T> make(Args&&... args) {
#if defined(__SANITIZE_ADDRESS__)
    return std::make_shared<T>(std::forward<Args>(args)...);
#else
    if (bypassed_) return std::make_shared<T>(std::forward<Args>(args)...);
    static_assert(alignof(T) <= 16);
    // The control block's size is the library's; a bound: the object, two counts, a vtable
    // pointer, the allocator, and padding to 16.
    auto* slab = room_for(sizeof(T) + 64);
    if (slab->bytes() == huge_page_bytes) {
      object_slab::carving() = slab;
      return std::allocate_shared<T>(huge_slab_allocator<T>{}, std::forward<Args>(args)...);
    }
    return std::allocate_shared<T>(slab_allocator<T>{slab}, std::forward<Args>(args)...);
#endif
  }
  /// Lets go of the current slab: it is freed once its objects are gone.
  void retire() noexcept;
  /// Lets go of the current slab, and the next one starts small again: for thread_slabs()
  /// once a burst of objects is over.
  void restart() noexcept {
    retire();
    next_slab_bytes_ = first_slab_bytes;
  }
  /// Whether a bypass lives (the objects made are a stream's batch).
  bool bypassed() const noexcept { return bypassed_; }

  /// While one lives, make() uses make_shared. For a stream's batches: their objects die
  /// batch by batch, and malloc gives the next batch the memory they leave while it is still
  /// in cache, where a slab would give fresh memory every time.
  class bypass {
  public:
    explicit bypass(object_slabs& slabs) noexcept : slabs_(slabs), was_(std::exchange(slabs.bypassed_, true)) {}
    bypass(const bypass&) = delete;
    bypass& operator=(const bypass&) = delete;
    ~bypass() { slabs_.bypassed_ = was_; }

  private:
    object_slabs& slabs_;
    bool was_;
  };

private:
  static constexpr std::size_t first_slab_bytes = std::size_t{16} << 10;
  std::size_t largest_slab_bytes_ = huge_page_bytes;

  /// The current slab, replaced first if `bytes` do not fit in it.
  object_slab* room_for(std::size_t bytes);

  object_slab* current_ = nullptr;
  std::size_t next_slab_bytes_ = first_slab_bytes;
  bool bypassed_ = false;
};

/// The slabs of the calling thread, for the objects orca makes from values outside any
/// identity map: session.add() of a temporary, a collection filled with values. A bulk
/// load's hundred thousand objects then come from a few huge pages rather than from fresh
/// malloc memory faulted in page by page. Their slabs stop at 256 KiB: a bulk add's objects
/// die as the session packs them into rows, and the slab being filled and the one being
/// emptied are all it holds (two huge pages were 4 MiB of SQLite P1's peak of 32), while
/// malloc hands freed slabs of that size back for the next ones. The thread keeps its
/// current slab until a session's last handle on it goes (detail::session_core restarts the
/// thread's slabs) or the thread ends; every other slab goes with its last object. Null
/// while the thread ends, once its slabs are gone (a session or an object made by a
/// thread_local or static destructor).
object_slabs* thread_slabs() noexcept;

/// A new T made of `args`, from the calling thread's slabs (with make_shared once they are
/// gone).
template <class T, class... Args>
std::shared_ptr<T> make_object(Args&&... args) {
  if (auto* slabs = thread_slabs()) return slabs->make<T>(std::forward<Args>(args)...);
  return std::make_shared<T>(std::forward<Args>(args)...);
}

}  // namespace orca
