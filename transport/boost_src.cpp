// Asio and Beast separate compilation: their non-template code lives here,
// compiled once, instead of in every translation unit that uses them.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
