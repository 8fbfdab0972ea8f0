#pragma once

#include <cstddef>

/// Square of a value, as a macro.
#define KINDS_SQUARE(x) ((x) * (x))
#define KINDS_VERSION 3

namespace kinds {

/// A 2-D point.
struct Point {
  double x = 0;  ///< horizontal
  double y = 0;  ///< vertical

  /// Component-wise sum.
  Point operator+(const Point& other) const noexcept;
  /// Length, as a conversion.
  explicit operator double() const;
};

/// Raw storage for either an int or a float.
union Number {
  int i;
  float f;
};

/// Fixed-size buffer of @p N elements.
template <typename T, std::size_t N>
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  /// Number of elements.
  static constexpr std::size_t size() { return N; }
  /// Element at @p i.
  T& at(std::size_t i) { return data_[i]; }

 private:
  T data_[N]{};
};

/// Pointers get their own buffer.
template <typename T, std::size_t N>
class Buffer<T*, N> {
 public:
  T* first() const { return nullptr; }
};

/// Largest of two values.
template <typename T>
T max_of(T a, T b) {
  return a < b ? b : a;
}

/// Old name of a point.
typedef Point LegacyPoint;
/// Modern alias.
using Coord = double;

/// How many points were made.
extern int points_made;
/// The origin.
inline constexpr Point kOrigin{};

/// Distance between two points.
double distance(const Point& a, const Point& b = kOrigin);

/// Use distance() instead.
[[deprecated("use distance")]] double old_distance(const Point& a, const Point& b);

/// Geometry helpers.
class Geometry {
 public:
  /// Make a geometry helper.
  Geometry();
  virtual ~Geometry();
  /// Sum of distances along a path.
  static double path_length(const Point* points, std::size_t count);
  /// Inner kind of shape.
  enum Kind { open, closed };

 protected:
  virtual void reset() {}
};

namespace detail {
/// Implementation detail: not public.
int helper(int v);
}  // namespace detail

}  // namespace kinds
