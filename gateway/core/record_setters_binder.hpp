#pragma once
// Internal to kq_core: builds a setters::Type from a field list (json_io.hpp's `fields(io, s)`),
// the fourth user of the same lists after the reader, the writer and the comparer. The Binder
// walks the list on one prototype object and records, for each field, its offset and the
// operations for its C++ type.
#include <concepts>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "gateway/core/record_setters.hpp"

namespace kq::core::json_io {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
// The element of an optional or a list; void for anything else.
template <class T>
struct Inner {
  using type = void;
};
template <class T>
struct Inner<std::optional<T>> {
  using type = T;
};
template <class T>
struct Inner<std::vector<T>> {
  using type = T;
};

// Whether S is a nested struct with a field list of its own (a setter type).
template <class S>
concept HasSetterType = requires(const S* s) {
  { setter_type(s) } -> std::same_as<const setters::Type&>;
};

// Leaves: what each C++ member type takes from a LeafValue.
template <class M>
bool set_leaf(void* member, const setters::LeafValue& v, std::string& error) {
  using K = setters::LeafValue::Kind;
  auto& m = *static_cast<M*>(member);
  if constexpr (std::is_same_v<M, std::string>) {
    m.assign(v.text);
  } else if constexpr (std::is_same_v<M, std::optional<std::string>>) {
    m.emplace(v.text);
  } else if constexpr (std::is_same_v<M, double> || std::is_same_v<M, std::optional<double>>) {
    m = v.kind == K::integer ? static_cast<double>(v.integer) : v.number;
  } else if constexpr (std::is_same_v<M, int> || std::is_same_v<M, std::optional<int>>) {
    if (v.integer < std::numeric_limits<int>::min() || v.integer > std::numeric_limits<int>::max()) {
      error = "integer is out of range";  // as the reader says it
      return false;
    }
    m = static_cast<int>(v.integer);
  } else if constexpr (std::is_same_v<M, std::int64_t> || std::is_same_v<M, std::optional<std::int64_t>>) {
    m = v.integer;
  } else if constexpr (std::is_same_v<M, bool> || std::is_same_v<M, std::optional<bool>>) {
    m = v.boolean;
  } else if constexpr (std::is_same_v<M, std::optional<PartialDate>>) {
    m = *v.date;
  } else if constexpr (std::is_same_v<M, std::optional<DateTime>>) {
    m = *v.datetime;
  } else if constexpr (std::is_same_v<M, std::vector<std::string>>) {
    m.emplace_back(v.text);
  } else {
    static_assert(sizeof(M) == 0, "a member type the setter table does not know");
  }
  return true;
}

// The kind of value a leaf member is set from.
template <class M>
constexpr setters::LeafValue::Kind leaf_kind() {
  using K = setters::LeafValue::Kind;
  using V = typename Inner<M>::type;
  using T = std::conditional_t<std::is_void_v<V>, M, V>;
  if constexpr (std::is_same_v<T, double>) return K::number;
  if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::int64_t>) return K::integer;
  if constexpr (std::is_same_v<T, bool>) return K::boolean;
  if constexpr (std::is_same_v<T, PartialDate>) return K::date;
  if constexpr (std::is_same_v<T, DateTime>) return K::datetime;
  return K::text;
}

template <class M>
bool present_of(const void* member) {
  const auto& m = *static_cast<const M*>(member);
  if constexpr (std::is_same_v<M, std::string> || IsVector<M>::value) {
    return !m.empty();
  } else if constexpr (IsOptional<M>::value) {
    return m.has_value();
  } else {
    return true;  // a plain number, flag or struct is always written
  }
}

template <class M, class S>
setters::Member object_member() {
  setters::Member out;
  out.type = &setter_type(static_cast<const S*>(nullptr));
  if constexpr (IsVector<M>::value) {
    out.shape = setters::Shape::object_list;
    out.open = [](void* m) -> void* { return &static_cast<M*>(m)->emplace_back(); };
    out.drop = [](void* m) { static_cast<M*>(m)->pop_back(); };
    out.last_repeats = [](const void* m) {
      const M& items = *static_cast<const M*>(m);
      for (std::size_t i = 0; i + 1 < items.size(); ++i) {
        if (items[i] == items.back()) return true;
      }
      return false;
    };
  } else if constexpr (IsOptional<M>::value) {
    out.shape = setters::Shape::object;
    out.open = [](void* m) -> void* {
      auto& o = *static_cast<M*>(m);
      if (!o) o.emplace();
      return &*o;
    };
    out.drop = [](void* m) { static_cast<M*>(m)->reset(); };
    out.peek = [](const void* m) -> const void* {
      const auto& o = *static_cast<const M*>(m);
      return o ? &*o : nullptr;
    };
  } else {
    out.shape = setters::Shape::object;
    out.open = [](void* m) -> void* { return m; };
    out.drop = [](void* m) { *static_cast<M*>(m) = M{}; };
    out.peek = [](const void* m) -> const void* { return m; };
  }
  return out;
}

template <class M>
setters::Member member_for() {
  if constexpr (std::is_same_v<M, std::optional<ObservationValue>>) {
    // A tagged union: made of all its fields at once, by the function that reads it from JSON.
    setters::Member out;
    out.shape = setters::Shape::tagged;
    out.set_tagged = [](void* m, const setters::TaggedFields& fields, const std::string& path, Errors& errors) {
      ObservationValue value{};  // engaged even with errors, as read_optional() leaves it
      set(fields, path, value, errors);
      *static_cast<M*>(m) = std::move(value);
    };
    return out;
  } else if constexpr (std::is_same_v<M, std::vector<FieldLineage>>) {
    // A form of its own in JSON (one object keyed by target path): read as core reads it.
    setters::Member out;
    out.shape = setters::Shape::json;
    out.read = [](void* m, const json::value& v, const std::string& path, Errors& errors) {
      read(v, path, *static_cast<M*>(m), errors);
    };
    return out;
  } else if constexpr (HasSetterType<typename Inner<M>::type>) {
    return object_member<M, typename Inner<M>::type>();
  } else if constexpr (HasSetterType<M>) {
    return object_member<M, M>();
  } else {
    setters::Member out;
    out.shape = std::is_same_v<M, std::vector<std::string>> ? setters::Shape::leaf_list : setters::Shape::leaf;
    out.set = &set_leaf<M>;
    out.takes = leaf_kind<M>();
    return out;
  }
}

// The `io` of a field list that records each field as a setters::Member.
template <class S>
class Binder {
 public:
  Binder(const S& prototype, std::vector<setters::Member>& out) : base_(&prototype), out_(out) {}
  // The field lists name required members apart for the reader; a setter treats them alike.
  template <class M>
  void field(std::string_view key, M& member) {
    add(key, member);
  }
  template <class M>
  void required(std::string_view key, M& member) {
    add(key, member);
  }

 private:
  template <class M>
  void add(std::string_view key, M& member) {
    setters::Member m = member_for<M>();
    m.key = key;
    m.offset = static_cast<std::size_t>(reinterpret_cast<const char*>(&member) -
                                        reinterpret_cast<const char*>(base_));
    if (!m.present) m.present = &present_of<M>;
    out_.push_back(m);
  }
  const S* base_;
  std::vector<setters::Member>& out_;
};

}  // namespace kq::core::json_io
