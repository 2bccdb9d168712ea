// Package qr renders travel health credentials as QR codes and reads QR
// and Aztec codes back from images.
//
// # Encoding
//
// Encoding wraps github.com/skip2/go-qrcode. Credential text such as an EU
// DCC "HC1:" string is base45, whose alphabet is exactly the QR alphanumeric
// character set, so the encoder stores it in alphanumeric mode (5.5 bits per
// character instead of 8). The default error correction level is Q and the
// default quiet zone is 4 modules, as the QR specification requires; text
// that does not fit a version-40 code is refused with [ErrTooLong].
// [EncodePNG] writes a 1-bit PNG, [EncodeSVG] an SVG drawing and
// [EncodeTerminal] text made of Unicode half blocks that a phone can scan
// off a terminal.
//
// # Decoding
//
// Decoding wraps github.com/makiuchi-d/gozxing. [DecodeDetailed] accepts
// PNG, JPEG, GIF and SVG data (and any other format registered with
// package image). It refuses images with more than [MaxPixels] pixels
// from their header, before decoding them. PNG images are decoded
// straight to grey levels, reduced while they stream out; baseline JPEG
// images have only their luma decoded, reduced from the DCT coefficients;
// SVG drawings are rasterised. The grey image, reduced by a whole factor
// to about a megapixel, is then scanned by a series of passes: default,
// PURE_BARCODE, TRY_HARDER, inverted, rotated by 90°, 180° and 270°, and
// rotated by ±30°; then larger copies for small codes in large images, or
// an enlarged copy of a small image. Each pass tries the QR reader, and
// some also the Aztec reader. Scanning stops at the first code whose text
// is a travel credential; [DecodeResult] reports the text, the symbology,
// the pass and the scale.
//
// All failures can be told apart with [errors.Is]: [ErrTooLong] and
// [ErrEmpty] when encoding; [ErrInvalidImage], [ErrImageTooLarge],
// [ErrNoCode], [ErrUnreadable] and [ErrNotCredential] when decoding.
package qr
