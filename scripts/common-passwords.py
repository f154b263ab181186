#!/usr/bin/env python3
"""Builds crates/certdesk/assets/passwords/common-passwords.txt (see the README beside it).

Inputs: the unpacked npm packages @zxcvbn-ts/language-common (passwords.json) and
@zxcvbn-ts/language-es-es (firstnames.json, lastnames.json), both MIT:

    npm pack @zxcvbn-ts/language-common@4.1.3 @zxcvbn-ts/language-es-es@4.1.2
    mkdir common es && tar xzf zxcvbn-ts-language-common-4.1.3.tgz -C common \
        && tar xzf zxcvbn-ts-language-es-es-4.1.2.tgz -C es
    python3 scripts/common-passwords.py common/package/src es/package/src \
        > crates/certdesk/assets/passwords/common-passwords.txt

Output: one password a line, lower case, sorted, no duplicates. Standard library only.
"""

import json
import sys

# Spanish and Peruvian words people build passwords from (our own list).
WORDS = """
contraseña contrasena micontraseña micontrasena nuevacontraseña clave miclave clavesecreta
password passw0rd bienvenido bienvenida bienvenidos hola holamundo holahola teamo teamomucho
teamobebe amor amorcito miamor amoreterno corazon corazón mamá mama mamita papa papá papito
familia mifamilia dios diosesamor diosteama jesus jesús jesucristo cristo cristo123 virgen
futbol fútbol peru perú perucampeon arribaperu vivaelperu lima cajamarca cajamarquino
trujillo arequipa cusco cuzco chiclayo piura huancayo iquitos tacna puno chimbote ayacucho
huaraz jaen jaén celendin celendín chota cutervo bambamarca
gore gorecajamarca regioncajamarca gobierno gobiernoregional regional municipalidad
municipio reniec sunat certificado certificadodigital firmadigital dni usuario usuarios
admin administrador administracion administración sistema sistemas soporte soportetecnico
informatica informática mesa mesadeayuda mesadeservicios servicio servicios oficina
secreto secreta princesa princesita mariposa estrella angelito angel ángel chocolate
tequiero tequieromucho amigos amigo amiga amistad hermano hermana hermoso hermosa
bonita bonito gatito perrito tigre leon león campeon campeón ganador
alianza alianzalima universitario cristal sportingcristal seleccion selección blanquiazul
crema garcilaso melgar cienciano barcelona realmadrid
inca incas machupicchu pachamama cumbia salsa chicha ceviche pisco
qwerty asdfgh zxcvbn abcdef abcdefgh
enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre
diciembre lunes martes miercoles miércoles jueves viernes sabado sábado domingo
verano invierno primavera otoño otono navidad feliznavidad
""".split()

# Common Peruvian surnames not in the European Spanish list's head.
SURNAMES = """
quispe mamani huaman huamán condori flores chavez chávez vasquez vásquez rojas
mendoza cruz ticona apaza vargas cabrera llanos tello rios ríos salazar
""".split()

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "1234567", "0", "00", "01",
            "007", "!", "123!", "@123", "#1", "*", "."] + [str(y) for y in range(1990, 2031)]


def main():
    common_dir, es_dir = sys.argv[1], sys.argv[2]
    passwords = set()
    with open(f"{common_dir}/passwords.json", encoding="utf-8") as f:
        passwords.update(p.strip().lower() for p in json.load(f))
    with open(f"{es_dir}/firstnames.json", encoding="utf-8") as f:
        names = json.load(f)[:200]
    with open(f"{es_dir}/lastnames.json", encoding="utf-8") as f:
        surnames = json.load(f)[:100]
    bases = set(w.lower() for w in WORDS + SURNAMES + names + surnames)
    for base in bases:
        for suffix in SUFFIXES:
            passwords.add(base + suffix)
    passwords.discard("")
    for p in sorted(passwords):
        if "\n" not in p and "\r" not in p:
            print(p)


if __name__ == "__main__":
    main()
