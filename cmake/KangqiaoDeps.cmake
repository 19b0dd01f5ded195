# System libraries from Debian 12 (installed by scripts/install-deps.sh).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED COMPONENTS json url CONFIG)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(LibXml2 REQUIRED)

# Asio and Beast are header-only; these definitions keep them lean and modern.
add_library(kq_asio INTERFACE)
target_link_libraries(kq_asio INTERFACE Boost::headers Threads::Threads OpenSSL::SSL OpenSSL::Crypto)
target_compile_definitions(kq_asio INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW BOOST_ASIO_DISABLE_BOOST_COROUTINE)

# POCO: only Zip (and Foundation), for reading XLSX workbooks.
find_package(Poco REQUIRED COMPONENTS Foundation Zip)
set(POCO_LIBS Poco::Foundation Poco::Zip)
