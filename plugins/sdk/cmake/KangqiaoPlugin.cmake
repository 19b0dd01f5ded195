# kangqiao_add_plugin(<name> SOURCES <files...> [LINK <libs...>] [OUTPUT_DIR <dir>])
#
# Builds a Kangqiao plugin: a shared library named <name>.so that exports exactly one symbol,
# `kq_plugin_entry`. Everything else is hidden, so two plugins that bundle different versions of
# the same library cannot clash. The output goes to KQ_PLUGIN_OUTPUT_DIR (the folder the daemon
# searches by default) unless OUTPUT_DIR says otherwise.
function(kangqiao_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LINK" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "kangqiao_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE kangqiao_plugin_sdk ${ARG_LINK})
  if(TARGET kq_warnings)
    target_link_libraries(${name} PRIVATE kq_warnings)
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Fail at link time, not at dlopen time, when a symbol is missing.
  # --exclude-libs keeps symbols of static libraries linked into the plugin private to it.
  target_link_options(${name} PRIVATE -Wl,--no-undefined -Wl,-z,now -Wl,--exclude-libs,ALL)
  if(ARG_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  elseif(KQ_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${KQ_PLUGIN_OUTPUT_DIR})
  endif()
  # In the gateway's own tree, a plugin built into the default folder is part of what `make run`
  # needs (the target kq_runnable); test plugins go elsewhere and are not.
  if(NOT ARG_OUTPUT_DIR AND TARGET kq_runnable)
    add_dependencies(kq_runnable ${name})
  endif()
endfunction()
