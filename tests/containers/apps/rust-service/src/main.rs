//! A standard-library HTTP service: one thread per connection, two routes.
use std::env;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

fn respond(mut stream: TcpStream) -> std::io::Result<()> {
    let mut request_line = String::new();
    BufReader::new(&stream).read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = match path {
        "/healthz" => ("200 OK", "ok\n"),
        "/" => ("200 OK", "hello from rust\n"),
        _ => ("404 Not Found", "not found\n"),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn main() -> std::io::Result<()> {
    let port = env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let listener = TcpListener::bind(("0.0.0.0", port.parse::<u16>().unwrap_or(8080)))?;
    println!("listening on {port}");
    for stream in listener.incoming().flatten() {
        thread::spawn(move || {
            if let Err(err) = respond(stream) {
                eprintln!("request failed: {err}");
            }
        });
    }
    Ok(())
}
