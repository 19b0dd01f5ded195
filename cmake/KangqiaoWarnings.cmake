# One place for compiler warnings: every Kangqiao target links kq_warnings.
add_library(kq_warnings INTERFACE)
target_compile_options(kq_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wcast-align -Wunused -Wformat=2 -Wimplicit-fallthrough
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual>)
# GCC 12 false positives in library headers we cannot change: -Wrestrict inside std::string at
# -O2 (GCC bug 105329) and -Wmismatched-new-delete on Asio's recycled coroutine frames.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(kq_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict -Wno-mismatched-new-delete>)
endif()
if(KQ_WERROR)
  target_compile_options(kq_warnings INTERFACE -Werror)
endif()
