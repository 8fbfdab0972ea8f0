// Fixture for `doctown check`: every defect below is planted on purpose; the test expects
// each one at the exact line and column given in its comment.
#pragma once

#include <string>

namespace planted {

/// Adds two numbers.
/// @param a the first number
/// @param c the second number
int add(int a, int b);

int undocumented_function(int x);

/**
 * Resets the counter.
 * @return the old value
 */
void reset();

/// Scales the value by `scale_factor` before storing it.
void store(double value);

/// Never fails.
/// @throws std::runtime_error when the disk is full
void flush() noexcept;

/// Looks a name up, see @p nme for the key.
/// @param name the key
/// @see planted::missing_helper
std::string lookup(const std::string& name);

/// A documented class.
class Widget {
 public:
  /// Creates a widget.
  Widget();

  int size() const;

 private:
  int size_ = 0;
};

/// Holds one value.
class Holder {
 public:
  /// The value held.
  int get() const;

  /** Replaces the value.
      @sa get()
      @sa forget_it
  */
  void set(int v);
};

}  // namespace planted
