// Private to transport/: the Asio/Beast includes and the namespace aliases
// (`beast`, `net`, `http`, `websocket`, `tcp`) used by server.cpp and
// client.cpp. Never include this from a public header: every TU that does
// pays for Beast (and needs the separate-compilation defines).
#pragma once

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace wingman::transport {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

} // namespace wingman::transport
