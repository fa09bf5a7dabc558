// The exception-group stand-in. Texts in comments are what python3
// (CPython 3.11.7) printed for the same expressions.

#include "loop/aio/exception_group.h"

#include <stdexcept>
#include <vector>

#include "gtest/gtest.h"

namespace seedloop {
namespace {

template <typename E>
std::exception_ptr ptr(E e) {
  return std::make_exception_ptr(std::move(e));
}

TEST(ExceptionGroupTest, StrCountsSubExceptionsSingularAndPlural) {
  // Python: str(ExceptionGroup("m", [ValueError()])) -> 'm (1 sub-exception)'
  //         str(BaseExceptionGroup("m", [ValueError(), KeyboardInterrupt()]))
  //           -> 'm (2 sub-exceptions)'
  ExceptionGroup one("m", {ptr(ValueError())});
  BaseExceptionGroup two("m", {ptr(ValueError()), ptr(KeyboardInterrupt())});
  EXPECT_EQ(one.message(), "m (1 sub-exception)");
  EXPECT_EQ(one.group_message(), "m");
  EXPECT_EQ(two.message(), "m (2 sub-exceptions)");
  EXPECT_EQ(describe_exception(ptr(two)), "BaseExceptionGroup: m (2 sub-exceptions)");
}

TEST(ExceptionGroupTest, MembersKeepTheirOrder) {
  std::exception_ptr a = ptr(TypeError("first"));
  std::exception_ptr b = ptr(ValueError("second"));
  ExceptionGroup g("m", {a, b});
  ASSERT_EQ(g.exceptions().size(), 2u);
  EXPECT_EQ(g.exceptions()[0], a);
  EXPECT_EQ(g.exceptions()[1], b);
}

TEST(ExceptionGroupTest, EmptyGroupRaisesValueError) {
  // Python: second argument (exceptions) must be a non-empty sequence
  try {
    BaseExceptionGroup g("m", {});
    FAIL() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "second argument (exceptions) must be a non-empty sequence");
  }
}

TEST(ExceptionGroupTest, ExceptionGroupRejectsBaseExceptions) {
  // Python: Cannot nest BaseExceptions in an ExceptionGroup
  try {
    ExceptionGroup g("m", {ptr(KeyboardInterrupt())});
    FAIL() << "no exception";
  } catch (const TypeError& e) {
    EXPECT_STREQ(e.what(), "Cannot nest BaseExceptions in an ExceptionGroup");
  }
}

TEST(ExceptionGroupTest, MakeExceptionGroupPicksTheClassAsPython) {
  // Python: type(BaseExceptionGroup("m", [ValueError()])) -> ExceptionGroup;
  //   [ExceptionGroup("n", [ValueError()])] -> ExceptionGroup;
  //   [BaseExceptionGroup("n", [KeyboardInterrupt()])] -> BaseExceptionGroup;
  //   [CancelledError()] -> BaseExceptionGroup.
  auto type_of = [](std::vector<std::exception_ptr> excs) {
    std::exception_ptr g = make_exception_group("m", std::move(excs));
    try {
      std::rethrow_exception(g);
    } catch (const BaseException& e) {
      return std::string(e.type_name());
    }
  };
  EXPECT_EQ(type_of({ptr(ValueError())}), "ExceptionGroup");
  EXPECT_EQ(type_of({ptr(std::runtime_error("foreign"))}), "ExceptionGroup");
  EXPECT_EQ(type_of({ptr(ExceptionGroup("n", {ptr(ValueError())}))}), "ExceptionGroup");
  EXPECT_EQ(type_of({ptr(BaseExceptionGroup("n", {ptr(KeyboardInterrupt())}))}), "BaseExceptionGroup");
  EXPECT_EQ(type_of({ptr(CancelledError())}), "BaseExceptionGroup");
  EXPECT_EQ(type_of({ptr(ValueError()), ptr(SystemExit())}), "BaseExceptionGroup");
}

TEST(ExceptionGroupTest, ExceptionGroupIsCaughtAsExceptionAndAnyGroup) {
  std::exception_ptr g = make_exception_group("m", {ptr(ValueError("v"))});
  EXPECT_THROW(std::rethrow_exception(g), Exception);
  EXPECT_THROW(std::rethrow_exception(g), AnyExceptionGroup);
  std::exception_ptr b = make_exception_group("m", {ptr(KeyboardInterrupt())});
  EXPECT_THROW(std::rethrow_exception(b), AnyExceptionGroup);
  EXPECT_FALSE(is_exception_class(b));
  try {
    std::rethrow_exception(b);
  } catch (const Exception&) {
    FAIL() << "a BaseExceptionGroup is not an Exception";
  } catch (const BaseException& e) {
    EXPECT_STREQ(e.type_name(), "BaseExceptionGroup");
  }
}

}  // namespace
}  // namespace seedloop
