# Every dependency is a Debian package found with find_package; nothing is downloaded.
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(LibClang 14 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(LibArchive REQUIRED)
find_package(PkgConfig REQUIRED)
# PCRE2 ships only a pkg-config file on Debian 12.
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# hnswlib is header-only and ships no CMake config on Debian.
find_path(HNSWLIB_INCLUDE_DIR hnswlib/hnswlib.h REQUIRED)
find_package(CLI11 REQUIRED)
