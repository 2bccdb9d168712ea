// Package qr renders travel health credentials as QR codes and reads them
// back from images.
//
// Encoding wraps github.com/skip2/go-qrcode. Credential text such as an EU
// DCC "HC1:" string is base45, whose alphabet is exactly the QR alphanumeric
// character set, so the encoder stores it in alphanumeric mode (5.5 bits per
// character instead of 8). The default error correction level is Q and the
// default quiet zone is 4 modules, as the QR specification requires.
//
// Decoding wraps github.com/makiuchi-d/gozxing. [DecodeBytes] accepts PNG,
// JPEG and GIF data (and any other format registered with package image),
// refuses images with more than [MaxPixels] pixels before decoding them, and
// tries a normal scan, a scan for a clean computer-generated symbol, and a
// slower, more thorough scan, in that order; small images get a last try
// on an enlarged copy.
//
// All failures can be told apart with [errors.Is]: [ErrTooLong], [ErrEmpty],
// [ErrInvalidImage], [ErrImageTooLarge] and [ErrNoCode].
package qr
