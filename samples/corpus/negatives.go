package corpus

import (
	"fmt"
	"strconv"
	"strings"
)

// Look-alike values: they resemble PII or secrets but are not. None of
// them is labelled; a detector that reports one is producing a false
// positive.

func (r rng) orderNumber() string { return "1" + r.digits(2) + "-" + r.digits(7) + "-" + r.digits(7) }

func (r rng) trackingNumber() string { return "1Z" + r.from("0123456789"+alphaUpper, 16) }

func (r rng) timestamp() string {
	t := fmt.Sprintf("20%02d-%02d-%02d", r.between(19, 25), r.between(1, 12), r.between(1, 28))
	c := fmt.Sprintf("%02d:%02d:%02d", r.between(0, 23), r.between(0, 59), r.between(0, 59))
	if r.chance(0.5) {
		return t + "T" + c + "Z"
	}
	return t + " " + c
}

// fourPartVersion looks like an IPv4 address but is a version string.
func (r rng) fourPartVersion() string {
	return fmt.Sprintf("%d.%d.%d.%d", r.between(1, 9), r.between(0, 20), r.between(0, 30), r.between(0, 999))
}

// isbn13 returns a valid ISBN-13 with hyphens.
func (r rng) isbn13() string {
	p := "978" + strconv.Itoa(r.between(0, 1)) + r.digits(8)
	s := 0
	for i := range p {
		d := int(p[i] - '0')
		if i%2 == 1 {
			d *= 3
		}
		s += d
	}
	c := (10 - s%10) % 10
	return p[:3] + "-" + p[3:4] + "-" + p[4:9] + "-" + p[9:12] + "-" + strconv.Itoa(c)
}

func (r rng) doi() string {
	return "10." + strconv.Itoa(r.between(1000, 9999)) + "/" + r.pick([]string{"s41586", "j.cell", "nature", "acs.jpcb", "pnas"}) + "." + strconv.Itoa(r.between(2015, 2024)) + "." + r.digits(5)
}

func (r rng) gitSHA() string { return r.from(hexLower, 40) }

func (r rng) uuid4() string {
	h := r.from(hexLower, 32)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + string("89ab"[r.IntN(4)]) + h[17:20] + "-" + h[20:32]
}

// productCode looks a little like a phone number.
func (r rng) productCode() string {
	switch r.IntN(3) {
	case 0:
		return "SKU " + r.digits(4) + "-" + r.digits(3) + "-" + r.digits(3)
	case 1:
		return "P/N " + r.digits(4) + "-" + r.digits(4) + "-" + r.digits(2)
	default:
		return "model " + r.from(alphaUpper, 2) + "-" + r.from(alphaUpper, 2) + r.digits(4)
	}
}

// luhnInvalid16 is a 16-digit reference number that fails the Luhn check.
func (r rng) luhnInvalid16() string {
	p := "4" + r.digits(14)
	good := luhnDigit(p)
	bad := byte('0' + (int(good-'0')+r.between(1, 9))%10)
	n := p + string(bad)
	return groupDigits(n, []int{4, 4, 4}, " ")
}

// luhnInvalid returns digits with the last digit changed if needed so that
// the number fails the Luhn check.
func (r rng) luhnInvalid(digits string) string {
	good := luhnDigit(digits[:len(digits)-1])
	if digits[len(digits)-1] != good {
		return digits
	}
	return digits[:len(digits)-1] + string(byte('0'+(int(good-'0')+r.between(1, 9))%10))
}

// invalidSSN has a never-issued area number.
func (r rng) invalidSSN() string {
	return r.pick([]string{"000", "666", "9" + r.digits(2)}) + "-" + r.digits(2) + "-" + r.digits(4)
}

// badIBAN has the right shape and wrong check digits.
func (r rng) badIBAN() string {
	bban := strconv.Itoa(r.between(1, 8)) + r.digits(17)
	good := ibanCheck("DE", bban)
	chk := fmt.Sprintf("%02d", (mustAtoi(good)+r.between(1, 50))%97+1)
	if chk == good {
		chk = "00"
	}
	iban := "DE" + chk + bban
	return iban[0:4] + " " + iban[4:8] + " " + iban[8:12] + " " + iban[12:16] + " " + iban[16:20] + " " + iban[20:]
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

func (r rng) privateIPv4() string {
	switch r.IntN(3) {
	case 0:
		return fmt.Sprintf("10.%d.%d.%d", r.between(0, 255), r.between(0, 255), r.between(1, 254))
	case 1:
		return fmt.Sprintf("192.168.%d.%d", r.between(0, 10), r.between(1, 254))
	default:
		return fmt.Sprintf("172.%d.%d.%d", r.between(16, 31), r.between(0, 255), r.between(1, 254))
	}
}

// aadhaarInvalid is 12 digits that fail the Verhoeff check.
func (r rng) aadhaarInvalid() string {
	p := strconv.Itoa(r.between(2, 9)) + r.digits(10)
	good := verhoeffDigit(p)
	bad := byte('0' + (int(good-'0')+r.between(1, 9))%10)
	n := p + string(bad)
	return n[0:4] + " " + n[4:8] + " " + n[8:12]
}

// cnIDInvalid has a valid shape and a wrong check digit.
func (r rng) cnIDInvalid() string {
	d17 := r.pick(cnRegions) + r.birthDate(1960, 2000) + r.digits(3)
	good := gb11643(d17)
	for _, c := range "0123456789X" {
		if byte(c) != good {
			return d17 + string(c)
		}
	}
	return d17
}

// enNegative returns an English sentence with one look-alike value.
func (r rng) enNegative() seg {
	var t string
	var v string
	switch r.IntN(16) {
	case 0:
		t, v = "Your order {$} has shipped and should arrive on {weekday}.", r.orderNumber()
	case 1:
		t, v = "Tracking number {$} was scanned at the depot this morning.", r.trackingNumber()
	case 2:
		t, v = "Last updated {$} by the editorial team.", r.timestamp()
	case 3:
		t, v = "The bug was fixed in version {$}, so update before reporting it again.", r.fourPartVersion()
	case 4:
		t, v = "The book (ISBN {$}) is available in most libraries.", r.isbn13()
	case 5:
		t, v = "The full paper is available at https://doi.org/{$}.", r.doi()
	case 6:
		t, v = "The regression was introduced in commit {$}.", r.gitSHA()
	case 7:
		t, v = "Support asked me to quote ticket {$} in every reply.", r.uuid4()
	case 8:
		t, v = "The replacement part is {$} and costs {price}.", r.productCode()
	case 9:
		t, v = "Booking reference {$}, please keep it for your records.", r.luhnInvalid16()
	case 10:
		t, v = "Form reference {$} is printed at the top of the letter.", r.invalidSSN()
	case 11:
		t, v = "The example account {$} in the brochure is not a real one.", r.badIBAN()
	case 12:
		t, v = "Open http://{$}/ in your browser to reach the router's admin page.", r.privateIPv4()
	case 13:
		t, v = "The timestamp field holds milliseconds since 1970, for example {$}.", "1"+r.digits(12)
	case 14:
		t, v = "Use the model number {$} when ordering spare filters.", strings.ToUpper(r.from(alphaLower, 3))+"-"+r.digits(4)+"-"+r.from(alphaUpper, 2)
	default:
		t, v = "Prices start at {$} for the basic plan.", r.pick([]string{"$1,299.00", "€24.99", "£7.50", "$0.99", "¥12,800"})
	}
	return expand(r, enVocab, t, plain(v))
}
