# One place for compiler warnings: every Kangqiao target links kq_warnings.
add_library(kq_warnings INTERFACE)
target_compile_options(kq_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wcast-align -Wunused -Wformat=2 -Wimplicit-fallthrough
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual>)
if(KQ_WERROR)
  target_compile_options(kq_warnings INTERFACE -Werror)
endif()
