// Asio's OpenSSL glue (separate compilation, TOOLCHAIN.md §7.3): compiled
// once here for the https client; needs the same defines as boost_src.cpp.
#include <boost/asio/ssl/impl/src.hpp>
