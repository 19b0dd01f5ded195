# One place for compiler warnings: every Kangqiao target links kq_warnings.
add_library(kq_warnings INTERFACE)
target_compile_options(kq_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
if(KQ_WERROR)
  target_compile_options(kq_warnings INTERFACE -Werror)
endif()
