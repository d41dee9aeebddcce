package secrets

import "strings"

// Throwaway keys generated for the examples with openssl, ssh-keygen and gpg
// (512-bit RSA, P-256, Ed25519). They protect nothing.
const (
	testRSAKey = `-----BEGIN RSA PRIVATE KEY-----
MIIBOwIBAAJBALitgz63Q1tlh13buJIHX/UQIXiSluvexSTBV7sifph0D41486mY
AkGoFF6DscU9NEQMLbxcxSBUWvQpdYIkaRcCAwEAAQJAZ3lQwCMOqncIkZ46nBdl
vHl9R4Fa7m2zKBTsgv2g0OnCdWK18VIqLa59l+pDFKe84jpooE9mvvIoP35llXMK
gQIhAObRiAiygKcNo/i62RXr2EVucdCCiSfEj+EB74Xg3FWTAiEAzNNUcz9RKz02
yH4FOD7Tk6GSQdJ6cIc1bFNy5q3wEO0CIEayPLE1QzRneCaRzDXro7U4a8HKiYnV
qZ/oQN3HjpTjAiEAyR2gSGEddBVxG0ASI/4chVMaZyMiMiew3yK5KaQUmqkCIQDb
dsjP+qpiq3L3z1pe+PC0bByPbifx4Z1vDj9sRNzlDQ==
-----END RSA PRIVATE KEY-----`
	testPKCS8Key = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIPLokzjDgNl0P8/O/R6SZwR5g8hvSoRnMRw4rfR14N/m
-----END PRIVATE KEY-----`
	testECKey = `-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIMzVpK8dpQgQkWsjEJK8V91lFqSF5yDCByJxIzcGcEOQoAoGCCqGSM49
AwEHoUQDQgAEIwyy313dVFFwvtP8zOr3M3YACclpqgCyZHKDo8rNGMoGr7WT3XT2
yQP/xX5dAtqOc8zJfND1oJ+Kh+vP1xGKIg==
-----END EC PRIVATE KEY-----`
	testEncryptedKey = `-----BEGIN ENCRYPTED PRIVATE KEY-----
MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhZEW0s80m9/QICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEKprNR4mlkowe5ixgDrQ5mIEQFVb
5Rn23c9ZUT398OIATyvMHj/sF9WrNGImV+h7n+uxJ3Zw/IWvuoKvCX3y16ili55U
Os7pHS7DrBjB/mMfJOs=
-----END ENCRYPTED PRIVATE KEY-----`
	testOpenSSHKey = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDkmLLP/DPcD/JB3wHykMtSojzwyitlb/Gf9CpON/qZCwAAAIh1aRXgdWkV
4AAAAAtzc2gtZWQyNTUxOQAAACDkmLLP/DPcD/JB3wHykMtSojzwyitlb/Gf9CpON/qZCw
AAAEDYK1VcudreuoYeVoS0s4aRLgz1+2nhMaWHnQiP4OMv2+SYss/8M9wP8kHfAfKQy1Ki
PPDKK2Vv8Z/0Kk43+pkLAAAABHRlc3QB
-----END OPENSSH PRIVATE KEY-----`
	testPGPKey = `-----BEGIN PGP PRIVATE KEY BLOCK-----

lFgEawrVbBYJKwYBBAHaRw8BAQdALXg1VSr3/CGVYxAtoigl7yPgZLz9h9irlJI1
4jVIYC8AAP47FzaEFp0Shs9B4eHAzsrYD5cM170ig09jgeNcpXcu1xDVtB9UZXN0
IEtleSA8dGVzdEBleGFtcGxlLmludmFsaWQ+iJAEExYIADgWIQTvNCjanxpCnFFi
J8vlZbjDjppjKwUCawrVbAIbAwULCQgHAgYVCgkICwIEFgIDAQIeAQIXgAAKCRDl
ZbjDjppjK1xOAPwOLG2kL+gKdBO6FMMi3y7JwmCOIKvq4wp7QqOK1O5UKQD+JdlG
+7KZ/O2ncoN/mlt/VEL+9wAbT49CnSEyiz1ekg0=
=HflJ
-----END PGP PRIVATE KEY BLOCK-----`
	testPublicBody = `MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALitgz63Q1tlh13buJIHX/UQIXiSluve
xSTBV7sifph0D41486mYAkGoFF6DscU9NEQMLbxcxSBUWvQpdYIkaRcCAwEAAQ==`
)

// escapeNewlines writes line breaks as the two characters \n, as a PEM
// block appears inside a JSON string or source code.
func escapeNewlines(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }
